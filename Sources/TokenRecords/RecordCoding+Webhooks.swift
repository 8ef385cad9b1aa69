package import JSON
import TokenAudit
package import TokenCore

/// The on-disk JSON of webhooks, expiry notices and audit events (same conventions as the other
/// records: sorted keys, integer-millisecond times). An audit event's record is the shared
/// ``AuditEventCoding`` object; audit events appear only in the journal, never in a snapshot.
extension RecordCoding {
    package static func write(_ hook: Webhook, into w: inout JSONWriter) {
        w.beginObject()
        w.key("created_at")
        w.int64(hook.createdAt.millisecondsSinceEpoch)
        w.field("branch_filter_strategy", hook.branchFilterStrategy.rawValue)
        w.field("custom_webhook_template", hook.customWebhookTemplate)
        w.field("description", hook.description)
        w.field("enable_ssl_verification", hook.enableSSLVerification)
        w.field("events", hook.otherEvents.sorted())
        w.field("id", hook.id.rawValue)
        w.field("name", hook.name)
        w.field("push_events", hook.pushEvents)
        w.field("push_events_branch_filter", hook.pushEventsBranchFilter)
        w.field("resource_access_token_events", hook.resourceAccessTokenEvents)
        w.field("resource_id", hook.resource.rawID)
        w.field("resource_kind", hook.resource.kind)
        w.field("token", hook.sealedToken.map { Hex.encode($0) })
        w.field("url", hook.url)
        w.endObject()
    }

    package static func decodeHook(_ v: JSONValue) throws(DecodeError) -> Webhook {
        guard let id = v["id"]?.intValue, let url = v["url"]?.stringValue, let created = v["created_at"]?.int64Value,
            let resourceID = v["resource_id"]?.intValue
        else { throw DecodeError(description: "hook record lacks id, url, resource_id or created_at") }
        let resource: Resource
        switch v["resource_kind"]?.stringValue {
        case "project": resource = .project(ProjectID(resourceID))
        case "group": resource = .group(GroupID(resourceID))
        default: throw DecodeError(description: "hook record has no resource_kind")
        }
        var sealed: [UInt8]?
        if let text = v["token"]?.stringValue {
            guard let bytes = Hex.decode(text) else { throw DecodeError(description: "bad token in hook record") }
            sealed = bytes
        }
        return Webhook(
            id: HookID(id), resource: resource, url: url, name: v["name"]?.stringValue ?? "",
            description: v["description"]?.stringValue ?? "", sealedToken: sealed, pushEvents: v["push_events"]?.boolValue ?? true,
            resourceAccessTokenEvents: v["resource_access_token_events"]?.boolValue ?? false,
            enableSSLVerification: v["enable_ssl_verification"]?.boolValue ?? true,
            // Written before hooks kept their other settings: GitLab's defaults.
            otherEvents: Set(v["events"]?.arrayValue?.compactMap(\.stringValue) ?? []),
            pushEventsBranchFilter: v["push_events_branch_filter"]?.stringValue,
            branchFilterStrategy: v["branch_filter_strategy"]?.stringValue.flatMap(BranchFilterStrategy.init(rawValue:)) ?? .wildcard,
            customWebhookTemplate: v["custom_webhook_template"]?.stringValue,
            createdAt: Timestamp(millisecondsSinceEpoch: created))
    }

    package static func write(_ key: ExpiryNotice.Key, fieldsInto w: inout JSONWriter) {
        w.field("hook_id", key.hookID.rawValue)
        w.field("interval", key.interval.rawValue)
    }

    package static func write(_ notice: ExpiryNotice, into w: inout JSONWriter) {
        w.beginObject()
        w.field("attempts", notice.attempts)
        write(notice.key, fieldsInto: &w)
        w.key("last_attempt_at")
        w.int64(notice.lastAttemptAt.millisecondsSinceEpoch)
        w.field("last_status", notice.lastStatus)
        w.key("next_attempt_at")
        if let next = notice.nextAttemptAt { w.int64(next.millisecondsSinceEpoch) } else { w.null() }
        w.field("state", notice.state.rawValue)
        w.field("token_id", notice.key.tokenID.rawValue)
        w.endObject()
    }

    package static func write(_ key: ExpiryNotice.Key, into w: inout JSONWriter) {
        w.beginObject()
        write(key, fieldsInto: &w)
        w.field("token_id", key.tokenID.rawValue)
        w.endObject()
    }

    package static func decodeNoticeKey(_ v: JSONValue) throws(DecodeError) -> ExpiryNotice.Key {
        guard let hook = v["hook_id"]?.intValue, let token = v["token_id"]?.intValue,
            let interval = v["interval"]?.stringValue.flatMap(ExpiryInterval.init(rawValue:))
        else { throw DecodeError(description: "notice record lacks hook_id, token_id or interval") }
        return ExpiryNotice.Key(tokenID: TokenID(token), interval: interval, hookID: HookID(hook))
    }

    package static func decodeNotice(_ v: JSONValue) throws(DecodeError) -> ExpiryNotice {
        let key = try decodeNoticeKey(v)
        guard let state = v["state"]?.stringValue.flatMap(ExpiryNotice.State.init(rawValue:)), let attempts = v["attempts"]?.intValue,
            let last = v["last_attempt_at"]?.int64Value
        else { throw DecodeError(description: "notice record lacks state, attempts or last_attempt_at") }
        return ExpiryNotice(
            key: key, state: state, attempts: attempts, lastAttemptAt: Timestamp(millisecondsSinceEpoch: last),
            nextAttemptAt: v["next_attempt_at"]?.int64Value.map(Timestamp.init(millisecondsSinceEpoch:)),
            lastStatus: v["last_status"]?.intValue)
    }

    package static func decodeAudit(_ v: JSONValue) throws(DecodeError) -> AuditEvent {
        do {
            return try AuditEventCoding.decode(v)
        } catch {
            throw DecodeError(description: error.description)
        }
    }
}
