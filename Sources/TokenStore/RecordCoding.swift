import JSON
import TokenAudit
import TokenCore

/// The on-disk JSON of users and tokens, and of journal lines. Keys are written sorted, one
/// record per line, so the bytes are stable; times are integer milliseconds, dates `YYYY-MM-DD`.
enum RecordCoding {
    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: Journal lines

    /// `{"kind":"token","op":"put","record":{…},"seq":N}` plus a newline. An audit event also
    /// carries its `seal` under `auditKey` (``AuditJournalSeal``), in sorted key order before `seq`.
    static func journalLine(_ change: StoreChange, seq: Int, auditKey: AuditChain.Key? = nil) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        writeChange(change, journal: true, into: &w)
        if case .audit(let event) = change, let auditKey { w.field("seal", AuditJournalSeal.seal(event, seq: seq, key: auditKey)) }
        w.field("seq", seq)
        w.endObject()
        var bytes = w.bytes
        bytes.append(0x0A)
        return bytes
    }

    static func decodeJournalLine(_ value: JSONValue) throws(DecodeError) -> (seq: Int, change: StoreChange) {
        guard let seq = value["seq"]?.intValue else { throw DecodeError(description: "missing seq") }
        return (seq, try decodeChange(value))
    }

    /// A snapshot line: `{"kind":"user","record":{…}}`. Snapshots hold records, not deletions.
    static func snapshotLine(_ change: StoreChange) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        writeChange(change, journal: false, into: &w)
        w.endObject()
        var bytes = w.bytes
        bytes.append(0x0A)
        return bytes
    }

    /// The `id`/`kind`/`op`/`record` fields of a change, in sorted key order; `op` only in the journal.
    private static func writeChange(_ change: StoreChange, journal: Bool, into w: inout JSONWriter) {
        func header(_ kind: String, _ op: String) {
            w.field("kind", kind)
            if journal { w.field("op", op) }
            w.key("record")
        }
        /// `{"id":N,"kind":…,"op":"delete"}`: deletions by id exist only in the journal.
        func deletion(_ kind: String, _ id: Int) {
            precondition(journal, "snapshots hold records, not deletions")
            w.field("id", id)
            w.field("kind", kind)
            w.field("op", "delete")
        }
        switch change {
        case .putUser(let user):
            header("user", "put")
            write(user, into: &w)
        case .deleteUser(let id):
            deletion("user", id.rawValue)
        case .putToken(let token):
            header("token", "put")
            write(token, into: &w)
        case .putGroup(let group):
            header("group", "put")
            write(group, into: &w)
        case .deleteGroup(let id):
            deletion("group", id.rawValue)
        case .putProject(let project):
            header("project", "put")
            write(project, into: &w)
        case .deleteProject(let id):
            deletion("project", id.rawValue)
        case .putMembership(let membership):
            header("membership", "put")
            write(membership, into: &w)
        case .deleteMembership(let key):
            precondition(journal, "snapshots hold records, not deletions")
            header("membership", "delete")
            write(key, into: &w)
        case .putHook(let hook):
            header("hook", "put")
            write(hook, into: &w)
        case .deleteHook(let id):
            deletion("hook", id.rawValue)
        case .putNotice(let notice):
            header("notice", "put")
            write(notice, into: &w)
        case .deleteNotice(let key):
            precondition(journal, "snapshots hold records, not deletions")
            header("notice", "delete")
            write(key, into: &w)
        case .audit(let event):
            precondition(journal, "audit events live in the journal and the audit files, not in snapshots")
            header("audit", "put")
            AuditEventCoding.write(event, into: &w)
        }
    }

    static func decodeChange(_ value: JSONValue) throws(DecodeError) -> StoreChange {
        let kind = value["kind"]?.stringValue
        let op = value["op"]?.stringValue ?? "put"
        if kind == "user" || kind == "project" || kind == "group" || kind == "hook", op == "delete" {
            guard let id = value["id"]?.intValue else { throw DecodeError(description: "missing id") }
            switch kind {
            case "user": return .deleteUser(UserID(id))
            case "project": return .deleteProject(ProjectID(id))
            case "hook": return .deleteHook(HookID(id))
            default: return .deleteGroup(GroupID(id))
            }
        }
        guard let record = value["record"] else { throw DecodeError(description: "missing record") }
        switch (kind, op) {
        case ("user", "put"): return .putUser(try decodeUser(record))
        case ("token", "put"): return .putToken(try decodeToken(record))
        case ("group", "put"): return .putGroup(try decodeGroup(record))
        case ("project", "put"): return .putProject(try decodeProject(record))
        case ("membership", "put"): return .putMembership(try decodeMembership(record))
        case ("membership", "delete"): return .deleteMembership(try decodeMembershipKey(record))
        case ("hook", "put"): return .putHook(try decodeHook(record))
        case ("notice", "put"): return .putNotice(try decodeNotice(record))
        case ("notice", "delete"): return .deleteNotice(try decodeNoticeKey(record))
        case ("audit", "put"): return .audit(try decodeAudit(record))
        default:
            throw DecodeError(description: "unknown record kind \(kind ?? "nil")/\(op)")
        }
    }

    // MARK: Records

    static func write(_ user: User, into w: inout JSONWriter) {
        w.beginObject()
        w.field("admin", user.isAdmin)
        w.field("bot", user.isBot)
        if let resource = user.botResource {
            w.key("bot_of")
            w.beginObject()
            w.field("id", resource.rawID)
            w.field("kind", resource.kind)
            w.endObject()
        }
        w.key("created_at")
        w.int64(user.createdAt.millisecondsSinceEpoch)
        w.field("email", user.email)
        w.field("id", user.id.rawValue)
        w.field("name", user.name)
        w.field("state", user.state.rawValue)
        w.field("username", user.username)
        w.endObject()
    }

    static func decodeUser(_ v: JSONValue) throws(DecodeError) -> User {
        guard let id = v["id"]?.intValue, let username = v["username"]?.stringValue,
            let created = v["created_at"]?.int64Value
        else { throw DecodeError(description: "user record lacks id, username or created_at") }
        let isBot = v["bot"]?.boolValue ?? false
        var botResource: Resource?
        if let owner = v["bot_of"] {
            guard let ownerID = owner["id"]?.intValue else { throw DecodeError(description: "bad bot_of") }
            switch owner["kind"]?.stringValue {
            case "project": botResource = .project(ProjectID(ownerID))
            case "group": botResource = .group(GroupID(ownerID))
            default: throw DecodeError(description: "bad bot_of")
            }
        } else if isBot {
            // Written before bot_of existed: the username names the resource.
            botResource = User.botResource(fromUsername: username)
        }
        return User(
            id: UserID(id), username: username, name: v["name"]?.stringValue ?? username,
            email: v["email"]?.stringValue ?? "", isAdmin: v["admin"]?.boolValue ?? false,
            isBot: isBot, botResource: botResource,
            state: v["state"]?.stringValue.flatMap(User.State.init(rawValue:)) ?? .active,
            createdAt: Timestamp(millisecondsSinceEpoch: created))
    }

    static func write(_ token: AccessToken, into w: inout JSONWriter) {
        w.beginObject()
        w.key("created_at")
        w.int64(token.createdAt.millisecondsSinceEpoch)
        w.field("description", token.description)
        w.field("digest", token.digest.hex)
        w.field("expires_at", token.expiresAt?.iso8601)
        w.field("id", token.id.rawValue)
        w.field("impersonation", token.impersonation)
        w.key("last_used_at")
        if let last = token.lastUsedAt { w.int64(last.millisecondsSinceEpoch) } else { w.null() }
        w.field("last_used_ips", token.lastUsedIPs)
        w.field("name", token.name)
        w.field("previous_id", token.previousTokenID?.rawValue)
        w.field("revoked", token.revoked)
        w.field("scopes", token.scopes.map(\.rawValue))
        w.key("updated_at")
        w.int64(token.updatedAt.millisecondsSinceEpoch)
        w.field("user_id", token.userID.rawValue)
        w.endObject()
    }

    static func decodeToken(_ v: JSONValue) throws(DecodeError) -> AccessToken {
        guard let id = v["id"]?.intValue, let userID = v["user_id"]?.intValue,
            let name = v["name"]?.stringValue, let digest = v["digest"]?.stringValue.flatMap(TokenDigest.init(hex:)),
            let created = v["created_at"]?.int64Value
        else { throw DecodeError(description: "token record lacks id, user_id, name, digest or created_at") }
        let expiresAt = try expiryDate(v)
        return AccessToken(
            id: TokenID(id), userID: UserID(userID), name: name, description: v["description"]?.stringValue,
            scopes: v["scopes"]?.arrayValue?.compactMap { $0.stringValue.map(Scope.init(rawValue:)) } ?? [],
            revoked: v["revoked"]?.boolValue ?? false, expiresAt: expiresAt,
            createdAt: Timestamp(millisecondsSinceEpoch: created),
            updatedAt: v["updated_at"]?.int64Value.map(Timestamp.init(millisecondsSinceEpoch:)),
            lastUsedAt: v["last_used_at"]?.int64Value.map(Timestamp.init(millisecondsSinceEpoch:)),
            lastUsedIPs: v["last_used_ips"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            impersonation: v["impersonation"]?.boolValue ?? false,
            previousTokenID: v["previous_id"]?.intValue.map { TokenID($0) }, digest: digest)
    }

    /// `expires_at` as `YYYY-MM-DD`, or nil when null or absent; anything else is corruption.
    static func expiryDate(_ v: JSONValue) throws(DecodeError) -> CivilDate? {
        guard let text = v["expires_at"]?.stringValue else { return nil }
        guard let date = CivilDate(iso8601: text) else { throw DecodeError(description: "bad expires_at") }
        return date
    }

    // MARK: Snapshot header

    struct SnapshotHeader: Equatable {
        var generation: Int
        var lastSeq: Int
        var nextUserID: Int
        var nextTokenID: Int
        var nextGroupID = 1
        var nextProjectID = 1
        var nextHookID = 1
        /// The audit chain's newest line when the snapshot was planned (``AuditVerification``
        /// checks the log still reaches it). Older releases ignore these fields.
        var auditSeq: Int?
        var auditMAC: String?
    }

    static func headerLine(_ h: SnapshotHeader) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        if let seq = h.auditSeq, let mac = h.auditMAC {
            w.field("audit_mac", mac)
            w.field("audit_seq", seq)
        }
        w.field("format", 1)
        w.field("generation", h.generation)
        w.field("last_seq", h.lastSeq)
        w.key("next_ids")
        w.beginObject()
        w.field("group", h.nextGroupID)
        // Only once a hook exists: until then the header keeps the bytes older releases wrote.
        if h.nextHookID > 1 { w.field("hook", h.nextHookID) }
        w.field("project", h.nextProjectID)
        w.field("token", h.nextTokenID)
        w.field("user", h.nextUserID)
        w.endObject()
        w.endObject()
        var bytes = w.bytes
        bytes.append(0x0A)
        return bytes
    }

    static func decodeHeader(_ v: JSONValue) throws(DecodeError) -> SnapshotHeader {
        guard v["format"]?.intValue == 1, let generation = v["generation"]?.intValue,
            let lastSeq = v["last_seq"]?.intValue
        else { throw DecodeError(description: "not a tokend snapshot header (format 1)") }
        return SnapshotHeader(
            generation: generation, lastSeq: lastSeq, nextUserID: v["next_ids"]?["user"]?.intValue ?? 1,
            nextTokenID: v["next_ids"]?["token"]?.intValue ?? 1, nextGroupID: v["next_ids"]?["group"]?.intValue ?? 1,
            nextProjectID: v["next_ids"]?["project"]?.intValue ?? 1, nextHookID: v["next_ids"]?["hook"]?.intValue ?? 1,
            auditSeq: v["audit_seq"]?.intValue, auditMAC: v["audit_mac"]?.stringValue)
    }
}
