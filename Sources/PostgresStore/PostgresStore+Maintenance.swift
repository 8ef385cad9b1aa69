public import TokenCore
import TokenRecords

/// Setting the database up and looking after it: migrations, the instance row and its secret,
/// bulk writes, pruning the log, and the figures `tokend store check` prints.
extension PostgresStore {
    /// Applies the migrations not yet applied; returns their versions.
    @discardableResult
    public func migrate() throws -> [Int] {
        try mapped { try pool.withConnection { try PostgresSchema.migrate($0) } }
    }

    /// Migrates, then creates the instance row with a fresh secret unless one exists. The secret
    /// lives in the database, so every host that connects digests tokens under the same key.
    /// Returns true when it created the instance.
    @discardableResult
    public func initialize() throws -> Bool {
        try migrate()
        return try mapped {
            try pool.withConnection { connection in
                let secret = Hex.encode(TokenSecret.generateBytes())
                let auditKey = Hex.encode(TokenSecret.generateBytes())
                let inserted = try connection.query(
                    "INSERT INTO tokend.instance (id, secret, audit_key) VALUES (1, \(secret), \(auditKey)) ON CONFLICT (id) DO NOTHING RETURNING id",
                    timeoutMilliseconds: queryTimeoutMilliseconds)
                return inserted.rowCount == 1
            }
        }
    }

    /// The instance secret (HMAC-SHA256 key of every digest), from `tokend.instance`.
    public func loadSecret() throws -> TokenSecret {
        try mapped {
            let hex = try pool.withConnection { connection in
                try connection.query("SELECT secret FROM tokend.instance", timeoutMilliseconds: queryTimeoutMilliseconds).string(0, 0)
            }
            guard let hex, let bytes = Hex.decode(hex), bytes.count >= 32 else {
                throw PostgresError(
                    .corrupt, operation: "read", location: location.description,
                    detail: "no instance secret: run `tokend init` with this store first")
            }
            return TokenSecret(bytes: bytes)
        }
    }

    /// The secret as stored (hex), for `tokend store export`.
    public func secretHex() throws -> String {
        try mapped {
            try pool.withConnection { connection in
                try connection.query("SELECT secret FROM tokend.instance", timeoutMilliseconds: queryTimeoutMilliseconds).string(0, 0) ?? ""
            }
        }
    }

    /// Runs `body` on the current state, then replaces every table with the result in one
    /// transaction (COPY), sets the secret when `secret` is given (an import), and appends a
    /// reload marker that every host follows by reloading. The bulk path of `tokend store
    /// seed` and `tokend store import`: the same records as a write would make, much faster.
    public func bulkWrite(secret: String? = nil, _ body: (inout StoreState) throws -> Void) throws {
        try rw.withWriteLock {
            try mapped {
                try loadIfNeeded()
                try pool.withConnection { connection in
                    let bulkTimeout = 600_000
                    try connection.script(
                        "BEGIN; SET LOCAL statement_timeout = '10min'; \(unsafeSQL: Self.lockStatement)", timeoutMilliseconds: queryTimeoutMilliseconds)
                    do {
                        try apply(
                            try connection.query(Self.changesSince(lastSeq), timeoutMilliseconds: queryTimeoutMilliseconds), since: lastSeq,
                            on: connection, into: &state)
                        // The changes are not logged one by one: the tables are replaced below.
                        try state.transaction(in: ClosureStorage { _ in }, body)
                        try connection.script(
                            "TRUNCATE tokend.users, tokend.groups, tokend.group_shares, tokend.projects, tokend.members, "
                                + "tokend.token_families, tokend.tokens, tokend.hooks, tokend.expiry_notices, tokend.web_sessions, tokend.deploy_tokens", timeoutMilliseconds: bulkTimeout)
                        for table in TableCopy.tables(of: state) where !table.chunks.isEmpty {
                            try connection.copy(
                                "COPY tokend.\(unsafeSQL: table.table) (\(unsafeSQL: table.columns)) FROM STDIN", chunks: table.chunks,
                                timeoutMilliseconds: bulkTimeout)
                        }
                        let seq = lastSeq + 1
                        try connection.query(
                            "INSERT INTO tokend.changes (seq, change) VALUES (\(seq)::bigint, \(Self.reloadMarker))", timeoutMilliseconds: bulkTimeout)
                        try connection.query("DELETE FROM tokend.changes WHERE seq < \(seq)::bigint", timeoutMilliseconds: bulkTimeout)
                        try connection.query(
                            "UPDATE tokend.instance SET last_seq = \(seq)::bigint, next_user_id = \(state.nextUserID)::bigint, "
                                + "next_token_id = \(state.nextTokenID)::bigint, next_group_id = \(state.nextGroupID)::bigint, "
                                + "next_project_id = \(state.nextProjectID)::bigint, next_hook_id = \(state.nextHookID)::bigint, "
                                + "next_deploy_token_id = \(state.nextDeployTokenID)::bigint",
                            timeoutMilliseconds: bulkTimeout)
                        if let secret {
                            try connection.query("UPDATE tokend.instance SET secret = \(secret)", timeoutMilliseconds: bulkTimeout)
                        }
                        try connection.script("COMMIT", timeoutMilliseconds: bulkTimeout)
                        lastSeq = seq
                        // Fresh statistics now, not when autovacuum comes by: until then the
                        // planner takes the replaced tables for empty, and writes run 4x slower.
                        _ = try? connection.script(
                            "ANALYZE tokend.users, tokend.tokens, tokend.token_families, tokend.groups, tokend.group_shares, "
                                + "tokend.projects, tokend.members, tokend.hooks, tokend.expiry_notices, tokend.changes, tokend.instance",
                            timeoutMilliseconds: bulkTimeout)
                    } catch {
                        _ = try? connection.script("ROLLBACK", timeoutMilliseconds: queryTimeoutMilliseconds)
                        // The replica may hold the body's changes: read it all again next time.
                        loaded = false
                        throw error
                    }
                }
            }
        }
    }

    /// How many of the newest change log entries `tokend store compact` keeps unless told.
    public static let defaultKeptChanges = 10_000

    /// Deletes log entries older than the newest `keep`: hosts further behind reload the tables.
    /// Returns how many it deleted.
    public func pruneLog(keep: Int = defaultKeptChanges) throws -> Int {
        try mapped {
            try pool.withConnection { connection in
                let result = try connection.query(
                    "WITH gone AS (DELETE FROM tokend.changes WHERE seq <= (SELECT last_seq FROM tokend.instance) - \(keep)::bigint RETURNING 1) "
                        + "SELECT count(*) FROM gone", timeoutMilliseconds: 120_000)
                return result.int(0, 0) ?? 0
            }
        }
    }

    /// What `tokend store check` prints and verifies.
    public struct Status: Sendable {
        public var schemaVersion: Int
        public var lastSeq: Int
        public var logEntries: Int
        public var firstLoggedSeq: Int?
        public var users: Int
        public var tokens: Int
        public var tokenFamilies: Int
        public var groups: Int
        public var projects: Int
        public var memberships: Int
        /// Rows of `tokend.web_sessions` (checked against the replica: a difference is a problem).
        public var webSessions = 0
        public var deployTokens = 0
        /// Anything wrong: a gap in the log, tables that disagree with the replica built from them.
        public var problems: [String]
    }

    /// Loads the store (as a worker would), then counts the tables and checks the log.
    public func status() throws -> Status {
        try catchUp()
        return try mapped {
            try pool.withConnection { connection in
                let version = try PostgresSchema.currentVersion(connection)
                let row = try connection.query(
                    "SELECT (SELECT last_seq FROM tokend.instance), (SELECT count(*) FROM tokend.changes), "
                        + "(SELECT min(seq) FROM tokend.changes), (SELECT max(seq) FROM tokend.changes), "
                        + "(SELECT count(*) FROM tokend.users), (SELECT count(*) FROM tokend.tokens), "
                        + "(SELECT count(*) FROM tokend.token_families), (SELECT count(*) FROM tokend.groups), "
                        + "(SELECT count(*) FROM tokend.projects), (SELECT count(*) FROM tokend.members), "
                        + "(SELECT count(*) FROM tokend.tokens t WHERE NOT EXISTS (SELECT 1 FROM tokend.token_families f WHERE f.id = t.family_id)), "
                        + "(SELECT count(*) FROM tokend.web_sessions), (SELECT count(*) FROM tokend.deploy_tokens)",
                    timeoutMilliseconds: 120_000)
                let lastSeq = row.int(0, 0) ?? 0
                let entries = row.int(0, 1) ?? 0
                var problems: [String] = []
                if version < PostgresSchema.latestVersion { problems.append("schema version \(version): run `tokend store migrate`") }
                if let first = row.int(0, 2), let last = row.int(0, 3) {
                    if last - first + 1 != entries { problems.append("the change log has gaps between \(first) and \(last)") }
                    if last != lastSeq { problems.append("the change log ends at \(last) but tokend.instance says \(lastSeq)") }
                }
                if let orphans = row.int(0, 10), orphans > 0 { problems.append("\(orphans) tokens name a token family that does not exist") }
                let counts = rw.withReadLock {
                    (state.users.count, state.tokens.count, state.resources.groups.count, state.resources.projects.count,
                        state.resources.memberships.count, state.deployTokens.tokens.count)
                }
                let tables = (
                    row.int(0, 4) ?? -1, row.int(0, 5) ?? -1, row.int(0, 7) ?? -1, row.int(0, 8) ?? -1, row.int(0, 9) ?? -1, row.int(0, 12) ?? -1
                )
                if counts != tables {
                    problems.append(
                        "the tables hold \(tables) users, tokens, groups, projects, members, deploy tokens; the log replayed gives \(counts)")
                }
                let sessions = rw.withReadLock { state.webSessions.count }
                if let stored = row.int(0, 11), stored != sessions {
                    problems.append("tokend.web_sessions holds \(stored) sessions; the log replayed gives \(sessions)")
                }
                if row.int(0, 2) == 1, let problem = try compareWithLog(on: connection) { problems.append(problem) }
                return Status(
                    schemaVersion: version, lastSeq: lastSeq, logEntries: entries, firstLoggedSeq: row.int(0, 2),
                    users: tables.0, tokens: tables.1, tokenFamilies: row.int(0, 6) ?? 0, groups: tables.2, projects: tables.3,
                    memberships: tables.4, webSessions: row.int(0, 11) ?? 0, deployTokens: tables.5, problems: problems)
            }
        }
    }

    /// When the log is whole (from entry 1, no bulk write), replays it up to the replica's
    /// sequence and compares every record with the replica loaded from the tables: they must be
    /// the same, field for field. A problem sentence when they differ.
    private func compareWithLog(on connection: PostgresConnection) throws -> String? {
        let upTo = rw.withReadLock { lastSeq }
        let log = try connection.query(
            "SELECT change FROM tokend.changes WHERE seq <= \(upTo)::bigint ORDER BY seq", timeoutMilliseconds: 600_000)
        var replayed = StoreState()
        for row in 0..<log.rowCount {
            guard let text = log.string(row, 0), text != Self.reloadMarker else { return nil }
            do {
                replayed.apply(try ChangeCoding.decode(text.utf8))
            } catch {
                return "change \(row + 1) of tokend.changes cannot be read: \(error)"
            }
        }
        let fromLog = StoreExport.export(replayed, secretHex: "").summary
        let fromTables = rw.withReadLock { StoreExport.export(state, secretHex: "").summary }
        guard fromLog != fromTables else { return nil }
        return "the tables hold \(fromTables), but the change log replayed gives \(fromLog)"
    }

    /// A copy of the current state (after catching up): for `tokend store export`.
    public func snapshot() throws -> StoreState {
        try catchUp()
        return rw.withReadLock { state }
    }
}

extension PostgresStore: StoreMonitoring {
    /// Readiness reports the database under GitLab's name for it, `db_check`, beside the store's.
    public var readinessChecks: [String] { ["store_check", "db_check"] }

    /// The replica's sequence and counts, for `/-/metrics` (no query: the request that scrapes
    /// has caught up already, or the figures are a request old).
    public func gauges() throws -> [(name: String, help: String, value: Int)] {
        try catchUp()
        return rw.withReadLock {
            [
                ("tokend_store_last_sequence", "Sequence number of the last committed change.", lastSeq),
                ("tokend_store_tokens", "Tokens stored, revoked ones included.", state.tokens.count),
                ("tokend_store_users", "Users stored, bots included.", state.users.count),
            ]
        }
    }
}
