import TokenRecords
import TokenCore

/// Every record of a state as `COPY … FROM STDIN` text, table by table: how a bulk write
/// (`tokend store seed`, `tokend store import`) replaces the tables in one transaction, far
/// faster than a statement per row. (A single write's rows are the database's own business:
/// `tokend.write` in ``PostgresSchema`` derives them from the change log entries.) The records'
/// cells and columns are their ``RecordSchema``'s. Text format: tab between columns, `\N` for
/// NULL, and backslash, tab, newline and carriage return escaped.
enum TableCopy {
    /// (table, columns, lines in chunks of about 1 MB) for every table, in load order.
    static func tables(of state: borrowing StoreState) -> [(table: String, columns: String, chunks: [[UInt8]])] {
        var users = Chunks()
        for user in state.allUsers() { users.row(RecordSchema.user.copyCells(user)) }
        var groups = Chunks()
        var shares = Chunks()
        for group in state.resources.allGroups() {
            groups.row(RecordSchema.group.copyCells(group))
            for (position, link) in group.sharedWith.enumerated() {
                shares.row([String(group.id.rawValue), String(position)] + RecordSchema.groupShare.copyCells(link))
            }
        }
        var projects = Chunks()
        for project in state.resources.allProjects() { projects.row(RecordSchema.project.copyCells(project)) }
        var members = Chunks()
        for membership in state.resources.allMemberships() { members.row(RecordSchema.membership.copyCells(membership)) }
        var families = Chunks()
        var tokens = Chunks()
        for token in state.allTokens() {
            let root = familyRoot(of: token, in: state)
            if root.id == token.id {
                families.row([String(token.id.rawValue), String(token.userID.rawValue), token.createdAt.iso8601])
            }
            tokens.row([String(root.id.rawValue)] + RecordSchema.token.copyCells(token))
        }
        var hooks = Chunks()
        for hook in state.webhooks.allHooks() {
            hooks.row([String(hook.id.rawValue), change(.putHook(hook))])
        }
        var notices = Chunks()
        for notice in state.webhooks.allNotices() {
            notices.row([
                String(notice.key.hookID.rawValue), String(notice.key.tokenID.rawValue), notice.key.interval.rawValue,
                change(.putNotice(notice)),
            ])
        }
        var sessions = Chunks()
        for session in state.webSessions.all() { sessions.row(RecordSchema.webSession.copyCells(session)) }
        var deployTokens = Chunks()
        for token in state.deployTokens.all() { deployTokens.row(RecordSchema.deployToken.copyCells(token)) }
        return [
            ("users", userColumns, users.finish()), ("groups", groupColumns, groups.finish()),
            ("group_shares", shareColumns, shares.finish()), ("projects", projectColumns, projects.finish()),
            ("members", memberColumns, members.finish()), ("token_families", "id, user_id, created_at", families.finish()),
            ("tokens", tokenColumns, tokens.finish()), ("hooks", "id, change", hooks.finish()),
            ("expiry_notices", "hook_id, token_id, notice_interval, change", notices.finish()),
            ("web_sessions", RecordSchema.webSession.columnList, sessions.finish()),
            ("deploy_tokens", RecordSchema.deployToken.columnList, deployTokens.finish()),
        ]
    }

    static var userColumns: String { RecordSchema.user.columnList }
    /// `family_id` (the database's own: the first token of the rotation chain), then the schema's.
    static var tokenColumns: String { "family_id, " + RecordSchema.token.columnList }
    static var groupColumns: String { RecordSchema.group.columnList }
    /// The sharing group and the share's position in its list, then the share's own columns.
    static var shareColumns: String { "group_id, position, " + RecordSchema.groupShare.columnList }
    static var projectColumns: String { RecordSchema.project.columnList }
    static var memberColumns: String { RecordSchema.membership.columnList }

    /// The first token of `token`'s rotation chain (GitLab's token family), found through
    /// `previousTokenID` in `state`; the token itself when it was not rotated from another.
    static func familyRoot(of token: AccessToken, in state: borrowing StoreState) -> AccessToken {
        var root = token
        var steps = 0
        while let previous = root.previousTokenID, steps < 1_000_000, let found = state.token(previous) {
            root = found
            steps += 1
        }
        return root
    }

    /// The change that puts a record, as the change log holds it (hooks and notices keep it).
    private static func change(_ change: StoreChange) -> String {
        String(decoding: ChangeCoding.encode(change), as: UTF8.self)
    }

    /// COPY text lines, cut into chunks of about 1 MB.
    struct Chunks {
        private var done: [[UInt8]] = []
        private var current: [UInt8] = []

        mutating func row(_ fields: [String?]) {
            for (index, field) in fields.enumerated() {
                if index > 0 { current.append(0x09) }
                guard let field else {
                    current += Array("\\N".utf8)
                    continue
                }
                for byte in field.utf8 {
                    switch byte {
                    case 0x5C: current += [0x5C, 0x5C]
                    case 0x09: current += [0x5C, UInt8(ascii: "t")]
                    case 0x0A: current += [0x5C, UInt8(ascii: "n")]
                    case 0x0D: current += [0x5C, UInt8(ascii: "r")]
                    case 0x00: break
                    default: current.append(byte)
                    }
                }
            }
            current.append(0x0A)
            if current.count >= 1 << 20 {
                done.append(current)
                current = []
            }
        }

        consuming func finish() -> [[UInt8]] {
            if !current.isEmpty { done.append(current) }
            return done
        }
    }
}
