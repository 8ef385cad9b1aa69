package import JSON
package import TokenAudit
package import TokenCore

/// The on-disk JSON of journal and snapshot lines. Keys are written sorted, one record per line,
/// so the bytes are stable; times are integer milliseconds, dates `YYYY-MM-DD`. Users, tokens,
/// groups, projects, memberships, web sessions and deploy tokens are written as their ``RecordSchema`` declares them.
package enum RecordCoding {
    package struct DecodeError: Error, CustomStringConvertible {
        package var description: String
    }

    // MARK: Journal lines

    /// `{"kind":"token","op":"put","record":{…},"seq":N}` plus a newline. An audit event also
    /// carries its `seal` under `auditKey` (``AuditJournalSeal``), in sorted key order before `seq`.
    package static func journalLine(_ change: StoreChange, seq: Int, auditKey: AuditChain.Key? = nil) -> [UInt8] {
        if case .audit(let event) = change { return auditJournalLine(eventJSON: AuditEventCoding.bytes(event), seq: seq, auditKey: auditKey) }
        var w = JSONWriter()
        w.beginObject()
        writeChange(change, journal: true, into: &w)
        w.field("seq", seq)
        w.endObject()
        var bytes = w.bytes
        bytes.append(0x0A)
        return bytes
    }

    /// The journal line of an audit event already written as JSON (``AuditEventCoding/bytes(_:)``),
    /// byte for byte ``journalLine(_:seq:auditKey:)``'s: the writer that also chains the event
    /// writes its JSON once for the line, the seal and the chained line.
    package static func auditJournalLine(eventJSON: [UInt8], seq: Int, auditKey: AuditChain.Key?) -> [UInt8] {
        var w = JSONWriter(capacity: eventJSON.count + 160)
        w.beginObject()
        w.field("kind", "audit")
        w.field("op", "put")
        w.key("record")
        w.encoded(eventJSON)
        if let auditKey { w.field("seal", AuditJournalSeal.seal(eventJSON: eventJSON, seq: seq, key: auditKey)) }
        w.field("seq", seq)
        w.endObject()
        var bytes = w.bytes
        bytes.append(0x0A)
        return bytes
    }

    package static func decodeJournalLine(_ value: JSONValue) throws(DecodeError) -> (seq: Int, change: StoreChange) {
        guard let seq = value["seq"]?.intValue else { throw DecodeError(description: "missing seq") }
        return (seq, try decodeChange(value))
    }

    /// A snapshot line: `{"kind":"user","record":{…}}`. Snapshots hold records, not deletions.
    package static func snapshotLine(_ change: StoreChange) -> [UInt8] {
        var w = JSONWriter()
        appendSnapshotLine(change, to: &w)
        return w.bytes
    }

    /// Appends ``snapshotLine(_:)``'s bytes to `w` (a whole snapshot in one buffer).
    package static func appendSnapshotLine(_ change: StoreChange, to w: inout JSONWriter) {
        w.beginObject()
        writeChange(change, journal: false, into: &w)
        w.endObject()
        w.endLine()
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
            RecordSchema.user.write(user, into: &w)
        case .deleteUser(let id):
            deletion("user", id.rawValue)
        case .putToken(let token):
            header("token", "put")
            write(token, into: &w)
        case .putGroup(let group):
            header("group", "put")
            RecordSchema.group.write(group, into: &w)
        case .deleteGroup(let id):
            deletion("group", id.rawValue)
        case .putProject(let project):
            header("project", "put")
            RecordSchema.project.write(project, into: &w)
        case .deleteProject(let id):
            deletion("project", id.rawValue)
        case .putMembership(let membership):
            header("membership", "put")
            RecordSchema.membership.write(membership, into: &w)
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
        case .putWebSession(let session):
            header("session", "put")
            RecordSchema.webSession.write(session, into: &w)
        case .deleteWebSession(let digest):
            precondition(journal, "snapshots hold records, not deletions")
            header("session", "delete")
            w.beginObject()
            w.field("digest", digest.hex)
            w.endObject()
        case .putDeployToken(let token):
            header("deploy_token", "put")
            RecordSchema.deployToken.write(token, into: &w)
        case .deleteDeployToken(let id):
            deletion("deploy_token", id.rawValue)
        case .audit:
            preconditionFailure("audit events live in the journal and the audit files, not in snapshots: auditJournalLine writes them")
        }
    }

    package static func decodeChange(_ value: JSONValue) throws(DecodeError) -> StoreChange {
        let kind = value["kind"]?.stringValue
        let op = value["op"]?.stringValue ?? "put"
        if kind == "user" || kind == "project" || kind == "group" || kind == "hook" || kind == "deploy_token", op == "delete" {
            guard let id = value["id"]?.intValue else { throw DecodeError(description: "missing id") }
            switch kind {
            case "user": return .deleteUser(UserID(id))
            case "project": return .deleteProject(ProjectID(id))
            case "hook": return .deleteHook(HookID(id))
            case "deploy_token": return .deleteDeployToken(DeployTokenID(id))
            default: return .deleteGroup(GroupID(id))
            }
        }
        guard let record = value["record"] else { throw DecodeError(description: "missing record") }
        switch (kind, op) {
        case ("user", "put"): return .putUser(try RecordSchema.user.decode(record))
        case ("token", "put"): return .putToken(try decodeToken(record))
        case ("group", "put"): return .putGroup(try RecordSchema.group.decode(record))
        case ("project", "put"): return .putProject(try RecordSchema.project.decode(record))
        case ("membership", "put"): return .putMembership(try RecordSchema.membership.decode(record))
        case ("membership", "delete"): return .deleteMembership(try decodeMembershipKey(record))
        case ("hook", "put"): return .putHook(try decodeHook(record))
        case ("notice", "put"): return .putNotice(try decodeNotice(record))
        case ("deploy_token", "put"): return .putDeployToken(try RecordSchema.deployToken.decode(record))
        case ("notice", "delete"): return .deleteNotice(try decodeNoticeKey(record))
        case ("session", "put"): return .putWebSession(try RecordSchema.webSession.decode(record))
        case ("session", "delete"):
            guard let digest = record["digest"]?.stringValue.flatMap(TokenDigest.init(hex:)) else { throw DecodeError(description: "missing digest") }
            return .deleteWebSession(digest)
        case ("audit", "put"): return .audit(try decodeAudit(record))
        default:
            throw DecodeError(description: "unknown record kind \(kind ?? "nil")/\(op)")
        }
    }

    // MARK: Records

    /// A token's JSON: its fields as ``RecordSchema/token`` declares them.
    package static func write(_ token: AccessToken, into w: inout JSONWriter) {
        RecordSchema.token.write(token, into: &w)
    }

    package static func decodeToken(_ v: JSONValue) throws(DecodeError) -> AccessToken {
        try RecordSchema.token.decode(v)
    }

    // MARK: Snapshot header

    package struct SnapshotHeader: Equatable {
        package var generation: Int
        package var lastSeq: Int
        package var nextUserID: Int
        package var nextTokenID: Int
        package var nextGroupID = 1
        package var nextProjectID = 1
        package var nextHookID = 1
        package var nextDeployTokenID = 1
        /// The audit chain's newest line when the snapshot was planned (``AuditVerification``
        /// checks the log still reaches it). Older releases ignore these fields.
        package var auditSeq: Int?
        package var auditMAC: String?

        package init(
            generation: Int, lastSeq: Int, nextUserID: Int, nextTokenID: Int, nextGroupID: Int = 1, nextProjectID: Int = 1,
            nextHookID: Int = 1, nextDeployTokenID: Int = 1, auditSeq: Int? = nil, auditMAC: String? = nil
        ) {
            self.generation = generation
            self.lastSeq = lastSeq
            self.nextUserID = nextUserID
            self.nextTokenID = nextTokenID
            self.nextGroupID = nextGroupID
            self.nextProjectID = nextProjectID
            self.nextHookID = nextHookID
            self.nextDeployTokenID = nextDeployTokenID
            self.auditSeq = auditSeq
            self.auditMAC = auditMAC
        }
    }

    package static func headerLine(_ h: SnapshotHeader) -> [UInt8] {
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
        // Only once a deploy token exists, as hooks below.
        if h.nextDeployTokenID > 1 { w.field("deploy_token", h.nextDeployTokenID) }
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

    package static func decodeHeader(_ v: JSONValue) throws(DecodeError) -> SnapshotHeader {
        guard v["format"]?.intValue == 1, let generation = v["generation"]?.intValue,
            let lastSeq = v["last_seq"]?.intValue
        else { throw DecodeError(description: "not a tokend snapshot header (format 1)") }
        return SnapshotHeader(
            generation: generation, lastSeq: lastSeq, nextUserID: v["next_ids"]?["user"]?.intValue ?? 1,
            nextTokenID: v["next_ids"]?["token"]?.intValue ?? 1, nextGroupID: v["next_ids"]?["group"]?.intValue ?? 1,
            nextProjectID: v["next_ids"]?["project"]?.intValue ?? 1, nextHookID: v["next_ids"]?["hook"]?.intValue ?? 1,
            nextDeployTokenID: v["next_ids"]?["deploy_token"]?.intValue ?? 1,
            auditSeq: v["audit_seq"]?.intValue, auditMAC: v["audit_mac"]?.stringValue)
    }
}
