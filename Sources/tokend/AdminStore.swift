import PostgresStore
import TokenCore
import TokenStore

/// What the commands need of a store beyond reading and writing it, for both backends: the
/// JSON store in `--data` and the PostgreSQL store of `--store`. Every command goes through
/// this, so a script that exports `TOKEND_STORE` runs the same commands unchanged.
protocol AdminStore: TokenRepository {
    /// The keyed-digest secret (the data directory's `secret.key`, or `tokend.instance`).
    func loadSecret() throws -> TokenSecret
    /// The secret as stored, in hex (for `tokend store export`).
    func exportedSecret() throws -> String
    /// A bulk write: `body` runs on the whole state, which is then written in one go (a new
    /// snapshot; every table replaced). `secret` replaces the secret (an import).
    func replaceAll(secret: String?, _ body: (inout StoreState) throws -> Void) throws
    /// The figures `tokend store check` prints, one `name value` a line, and any problems.
    func check() throws -> (lines: [String], problems: [String])
    /// `tokend store compact`: a new snapshot generation, or the log pruned to its newest
    /// `keepChanges` entries (PostgreSQL only); one line of result.
    func compactNow(keepChanges: Int?) throws -> String
    /// A copy of the whole current state (`tokend store export`).
    func currentState() throws -> StoreState
}

extension JSONFileStore: AdminStore {
    func loadSecret() throws -> TokenSecret { try StoreSetup.loadSecret(directory: layout.directory) }

    func exportedSecret() throws -> String { try StoreSetup.secretHex(directory: layout.directory) }

    func replaceAll(secret: String?, _ body: (inout StoreState) throws -> Void) throws {
        try bulkWrite(body)
        if let secret { try StoreSetup.replaceSecret(directory: layout.directory, hex: secret) }
    }

    func check() throws -> (lines: [String], problems: [String]) {
        let status = try status()
        return (
            [
                "generation \(status.generation)", "last_seq \(status.lastSeq)", "snapshot_bytes \(status.snapshotBytes)",
                "journal_bytes \(status.journalBytes)", "users \(status.users)", "tokens \(status.tokens)", "groups \(status.groups)",
                "projects \(status.projects)", "memberships \(status.memberships)", "web_sessions \(status.webSessions)", "deploy_tokens \(status.deployTokens)",
            ],
            StoreVerification.problems(in: layout.directory)
        )
    }

    func compactNow(keepChanges: Int?) throws -> String {
        if keepChanges != nil {
            throw CommandError("--keep-changes applies to a PostgreSQL store (--store): the JSON store's compaction folds its whole journal")
        }
        try compact()
        let status = try status()
        return "compacted: generation \(status.generation), last_seq \(status.lastSeq)"
    }

    func currentState() throws -> StoreState { try read { copy $0 } }
}

extension PostgresStore: AdminStore {
    func exportedSecret() throws -> String { try secretHex() }

    func replaceAll(secret: String?, _ body: (inout StoreState) throws -> Void) throws {
        try bulkWrite(secret: secret, body)
    }

    func check() throws -> (lines: [String], problems: [String]) {
        let status = try status()
        return (
            [
                "backend postgresql", "location \(location)", "schema_version \(status.schemaVersion)", "last_seq \(status.lastSeq)",
                "log_entries \(status.logEntries)", "users \(status.users)", "tokens \(status.tokens)",
                "token_families \(status.tokenFamilies)", "groups \(status.groups)", "projects \(status.projects)",
                "memberships \(status.memberships)", "web_sessions \(status.webSessions)", "deploy_tokens \(status.deployTokens)",
            ],
            status.problems
        )
    }

    func compactNow(keepChanges: Int?) throws -> String {
        let keep = keepChanges ?? PostgresStore.defaultKeptChanges
        let pruned = try pruneLog(keep: keep)
        return "pruned \(pruned) change log entries (the newest \(keep) are kept; the tables hold every record)"
    }

    func currentState() throws -> StoreState { try snapshot() }
}
