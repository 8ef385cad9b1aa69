public import JSON
public import TokenCore

/// The JSON of an ``AuditEvent``, shared by every place it is written: a journal line, a line
/// of the chained audit files, a database's audit table. Fields in a fixed order and absent
/// ones left out, so the bytes of an event are always the same.
public enum AuditEventCoding {
    public struct DecodeError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func write(_ event: AuditEvent, into w: inout JSONWriter) {
        w.beginObject()
        w.field("event", event.name.rawValue)
        w.field("time", event.time.iso8601)
        w.key("actor")
        w.beginObject()
        w.field("user_id", event.actor.userID?.rawValue)
        w.field("name", event.actor.name)
        if let sudoer = event.actor.sudoer { w.field("sudoer_id", sudoer.rawValue) }
        if event.actor.impersonation { w.field("impersonation", true) }
        if let token = event.actor.tokenID { w.field("token_id", token.rawValue) }
        w.endObject()
        if let ip = event.ipAddress { w.field("ip", ip) }
        if let request = event.requestID { w.field("request_id", request) }
        w.key("entity")
        w.beginObject()
        w.field("type", event.entity.kind.rawValue)
        w.field("id", event.entity.id)
        w.endObject()
        w.key("target")
        w.beginObject()
        w.field("type", event.target.type)
        w.field("id", event.target.id)
        w.field("details", event.target.details)
        w.endObject()
        if let token = event.token {
            w.key("token")
            w.beginObject()
            w.field("id", token.id.rawValue)
            w.field("kind", token.kind.rawValue)
            w.endObject()
        }
        if let change = event.change {
            w.key("change")
            w.beginObject()
            w.field("field", change.field)
            w.field("from", change.from)
            w.field("to", change.to)
            w.endObject()
        }
        if let reason = event.reason { w.field("reason", reason) }
        if let count = event.count { w.field("count", count) }
        if !event.relatedTokens.isEmpty {
            w.key("related_tokens")
            w.beginArray()
            for id in event.relatedTokens { w.int(id.rawValue) }
            w.endArray()
        }
        w.endObject()
    }

    public static func bytes(_ event: AuditEvent) -> [UInt8] {
        var w = JSONWriter(capacity: 384)
        write(event, into: &w)
        return w.bytes
    }

    public static func decode(_ v: JSONValue) throws(DecodeError) -> AuditEvent {
        guard let name = v["event"]?.stringValue.flatMap(AuditEvent.Name.init(rawValue:)),
            let time = v["time"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
            let actor = v["actor"], let actorName = actor["name"]?.stringValue,
            let entityKind = v["entity"]?["type"]?.stringValue.flatMap(AuditEntity.Kind.init(rawValue:)),
            let entityID = v["entity"]?["id"]?.intValue,
            let target = v["target"], let targetType = target["type"]?.stringValue, let details = target["details"]?.stringValue
        else { throw DecodeError(description: "audit event lacks event, time, actor, entity or target") }
        var token: AuditTokenReference?
        if let t = v["token"] {
            guard let id = t["id"]?.intValue, let kind = t["kind"]?.stringValue.flatMap(TokenIdentification.Kind.init(rawValue:)) else {
                throw DecodeError(description: "bad token in audit event")
            }
            token = AuditTokenReference(id: TokenID(id), kind: kind)
        }
        var change: AuditChange?
        if let c = v["change"] {
            guard let field = c["field"]?.stringValue else { throw DecodeError(description: "bad change in audit event") }
            change = AuditChange(field: field, from: c["from"]?.stringValue, to: c["to"]?.stringValue)
        }
        return AuditEvent(
            name: name, time: time,
            actor: AuditActor(
                userID: actor["user_id"]?.intValue.map { UserID($0) }, name: actorName,
                sudoer: actor["sudoer_id"]?.intValue.map { UserID($0) }, impersonation: actor["impersonation"]?.boolValue ?? false,
                tokenID: actor["token_id"]?.intValue.map { TokenID($0) }),
            ipAddress: v["ip"]?.stringValue, requestID: v["request_id"]?.stringValue,
            entity: AuditEntity(entityKind, entityID),
            target: AuditTarget(type: targetType, id: target["id"]?.intValue, details: details),
            token: token, change: change, reason: v["reason"]?.stringValue, count: v["count"]?.intValue,
            relatedTokens: v["related_tokens"]?.arrayValue?.compactMap { $0.intValue.map { TokenID($0) } } ?? [])
    }
}
