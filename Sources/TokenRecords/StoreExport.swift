#if canImport(Glibc)
import Glibc
#endif
import Crypto
import JSON
public import TokenCore

/// `tokend store export` and `tokend store import`: the whole state as JSON lines, the same for
/// every backend, so a store moves between them (JSON → PostgreSQL → JSON) record for record.
///
/// Line 1 is a header: `{"format":1,"kind":"tokend-export","next_ids":{…},"secret":"<hex>"}`.
/// Every other line is one record as the JSON store's snapshot writes it (users, groups,
/// projects, memberships, tokens, then webhooks, expiry notices and deploy tokens, each by id). Audit events
/// stay with the store that recorded them. Tokens appear only as keyed digests; the
/// secret comes along so that they keep authenticating where the store is imported, which makes
/// an export as sensitive as a backup.
public enum StoreExport {
    /// Record counts and a SHA-256 over the record lines (not the header): equal for two stores
    /// that hold the same records and digests.
    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        public var users = 0
        public var tokens = 0
        public var groups = 0
        public var projects = 0
        public var memberships = 0
        public var hooks = 0
        public var notices = 0
        public var deployTokens = 0
        public var checksum = ""

        public var description: String {
            "\(users) users, \(tokens) tokens, \(groups) groups, \(projects) projects, \(memberships) memberships, \(hooks) hooks, \(notices) notices, \(deployTokens) deploy tokens, sha256 \(checksum)"
        }
    }

    public struct ImportError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The export of `state` with its secret.
    public static func export(_ state: borrowing StoreState, secretHex: String) -> (bytes: [UInt8], summary: Summary) {
        var header = JSONWriter()
        header.beginObject()
        header.field("format", 1)
        header.field("kind", "tokend-export")
        header.key("next_ids")
        header.beginObject()
        header.field("deploy_token", state.nextDeployTokenID)
        header.field("group", state.nextGroupID)
        header.field("hook", state.nextHookID)
        header.field("project", state.nextProjectID)
        header.field("token", state.nextTokenID)
        header.field("user", state.nextUserID)
        header.endObject()
        header.field("secret", secretHex)
        header.endObject()
        var bytes = header.bytes
        bytes.append(0x0A)
        var summary = Summary()
        var hash = SHA256()
        func add(_ change: StoreChange) {
            let line = RecordCoding.snapshotLine(change)
            hash.update(data: line)
            bytes += line
        }
        for user in state.allUsers() { add(.putUser(user)); summary.users += 1 }
        for group in state.resources.allGroups() { add(.putGroup(group)); summary.groups += 1 }
        for project in state.resources.allProjects() { add(.putProject(project)); summary.projects += 1 }
        for membership in state.resources.allMemberships() { add(.putMembership(membership)); summary.memberships += 1 }
        for token in state.allTokens() { add(.putToken(token)); summary.tokens += 1 }
        for hook in state.webhooks.allHooks() { add(.putHook(hook)); summary.hooks += 1 }
        for notice in state.webhooks.allNotices() { add(.putNotice(notice)); summary.notices += 1 }
        for token in state.deployTokens.all() { add(.putDeployToken(token)); summary.deployTokens += 1 }
        summary.checksum = Hex.encode(Array(hash.finalize()))
        return (bytes, summary)
    }

    /// A parsed export: its records in file order, the next ids, the secret, and its summary.
    public struct Contents: Sendable {
        public var records: [StoreChange] = []
        public var nextIDs = (user: 1, token: 1, group: 1, project: 1, hook: 1, deployToken: 1)
        public var secretHex = ""
        public var summary = Summary()
    }

    public static func parse(_ bytes: [UInt8]) throws(ImportError) -> Contents {
        var contents = Contents()
        var hash = SHA256()
        var start = 0
        var line = 0
        while start < bytes.count {
            line += 1
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                throw ImportError(description: "line \(line): the last line is incomplete (no newline)")
            }
            let slice = bytes[start...newline]
            defer { start = newline + 1 }
            do {
                let value = try JSONParser.parse(slice.dropLast())
                if line == 1 {
                    guard value["kind"]?.stringValue == "tokend-export", value["format"]?.intValue == 1,
                        let secret = value["secret"]?.stringValue, let ids = value["next_ids"]
                    else { throw ImportError(description: "line 1: not a tokend export header (format 1)") }
                    contents.secretHex = secret
                    contents.nextIDs = (
                        ids["user"]?.intValue ?? 1, ids["token"]?.intValue ?? 1, ids["group"]?.intValue ?? 1,
                        ids["project"]?.intValue ?? 1, ids["hook"]?.intValue ?? 1, ids["deploy_token"]?.intValue ?? 1
                    )
                    continue
                }
                let change = try RecordCoding.decodeChange(value)
                switch change {
                case .putUser: contents.summary.users += 1
                case .putToken: contents.summary.tokens += 1
                case .putGroup: contents.summary.groups += 1
                case .putProject: contents.summary.projects += 1
                case .putMembership: contents.summary.memberships += 1
                case .putHook: contents.summary.hooks += 1
                case .putNotice: contents.summary.notices += 1
                case .putDeployToken: contents.summary.deployTokens += 1
                default: throw ImportError(description: "line \(line): an export holds records, not deletions")
                }
                hash.update(data: Array(slice))
                contents.records.append(change)
            } catch let error as ImportError {
                throw error
            } catch {
                throw ImportError(description: "line \(line): \(error)")
            }
        }
        guard line >= 1 else { throw ImportError(description: "the export is empty") }
        contents.summary.checksum = Hex.encode(Array(hash.finalize()))
        return contents
    }

    /// Makes `state` hold exactly the export's records: everything else is removed first. A
    /// store that holds tokens is refused (tokens are never deleted, so they cannot be replaced).
    public static func replace(_ state: inout StoreState, with contents: Contents) throws(ImportError) {
        guard state.tokens.isEmpty else {
            throw ImportError(
                description: "the target store already holds \(state.tokens.count) tokens, and an import never replaces tokens: "
                    + "import into a store that has none, a new data directory (`tokend init --data NEW` then "
                    + "`tokend store import --data NEW --from FILE`) or a new empty PostgreSQL database (`tokend init --store URL` first); "
                    + "`tokend init` on this store changes nothing")
        }
        for membership in state.resources.allMemberships() { state.deleteMembership(membership.key) }
        for project in state.resources.allProjects() { state.deleteProject(project.id) }
        for group in state.resources.allGroups().reversed() { state.deleteGroup(group.id) }
        for user in state.allUsers() { state.deleteUser(user.id) }
        for hook in state.webhooks.allHooks() { state.deleteHook(hook.id) }
        for token in state.deployTokens.all() { state.deleteDeployToken(token.id) }
        for record in contents.records {
            switch record {
            case .putUser(let user): state.put(user)
            case .putToken(let token): state.put(token)
            case .putGroup(let group): state.put(group)
            case .putProject(let project): state.put(project)
            case .putMembership(let membership): state.put(membership)
            case .putHook(let hook): state.put(hook)
            case .putNotice(let notice): state.put(notice)
            case .putDeployToken(let token): state.put(token)
            default: break
            }
        }
        state.reserveIDs(
            nextUserID: contents.nextIDs.user, nextTokenID: contents.nextIDs.token, nextGroupID: contents.nextIDs.group,
            nextProjectID: contents.nextIDs.project, nextHookID: contents.nextIDs.hook,
            nextDeployTokenID: contents.nextIDs.deployToken)
    }
}
