import Logging
import TokenRecords
import TokenCore

/// Loading the replica from the normalised tables: at a worker's first request, and whenever
/// the log does not continue from where the replica stands.
extension PostgresStore {
    /// Loads the tables on first use (the caller holds the replica exclusively).
    func loadIfNeeded() throws {
        guard !loaded else { return }
        try pool.withConnection { connection in
            let version = try PostgresSchema.currentVersion(connection)
            guard version >= PostgresSchema.latestVersion else {
                throw PostgresError(
                    .corrupt, operation: "open", location: location.description,
                    detail: version == 0
                        ? "no tokend schema here: run `tokend init` (or `tokend store migrate`) with this store first"
                        : "schema version \(version) is older than this release's \(PostgresSchema.latestVersion): run `tokend store migrate`")
            }
            guard version == PostgresSchema.latestVersion else {
                throw PostgresError(
                    .corrupt, operation: "open", location: location.description,
                    detail: "schema version \(version) is newer than this release knows (\(PostgresSchema.latestVersion)): upgrade tokend")
            }
            try reload(on: connection, into: &state)
        }
        loaded = true
    }

    /// Replaces the replica with the tables as `connection` sees them: in its transaction when
    /// it is in one (a repeatable-read one, or one holding the write lock, so no other writer),
    /// else in a repeatable-read transaction of its own.
    func reload(on connection: PostgresConnection, into target: inout StoreState) throws {
        guard connection.inTransaction else {
            try connection.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", timeoutMilliseconds: queryTimeoutMilliseconds)
            do {
                try reload(on: connection, into: &target)
                try connection.script("COMMIT", timeoutMilliseconds: queryTimeoutMilliseconds)
            } catch {
                _ = try? connection.script("ROLLBACK", timeoutMilliseconds: queryTimeoutMilliseconds)
                throw error
            }
            return
        }
        let started = PostgresConnection.now()
        let timeout = max(queryTimeoutMilliseconds, 120_000)
        let instance = try connection.query(
            "SELECT last_seq, next_user_id, next_token_id, next_group_id, next_project_id, next_hook_id, next_deploy_token_id FROM tokend.instance",
            timeoutMilliseconds: timeout)
        guard instance.rowCount == 1 else {
            throw PostgresError(
                .corrupt, operation: "read", location: location.description,
                detail: "tokend.instance has no row: run `tokend init` with this store first")
        }
        // Each table comes in one statement (a COPY), as long as the table takes to stream:
        // bounded by the load's timeout, not the session's per-statement one, which is put
        // back afterwards for the rest of the transaction (a write's, when it reloads).
        let widened = try connection.query(
            "SELECT current_setting('statement_timeout') AS previous, set_config('statement_timeout', \(String(timeout)), true)",
            timeoutMilliseconds: timeout)
        let previousStatementTimeout = try widened.decode(String.self, 0, widened.column("previous"))
        do {
            let seq = try instance.decode(Int.self, 0, instance.column("last_seq"))
            var fresh = StoreState()
            try loadUsers(on: connection, into: &fresh, timeout: timeout)
            try loadResources(on: connection, into: &fresh, timeout: timeout)
            try loadTokens(on: connection, into: &fresh, timeout: timeout)
            try loadAuditChain(on: connection, timeout: timeout)
            let puts = try connection.query(
                "SELECT change FROM tokend.hooks UNION ALL SELECT change FROM tokend.expiry_notices", timeoutMilliseconds: timeout)
            let change = try puts.column("change")
            for row in 0..<puts.rowCount {
                do {
                    fresh.apply(try ChangeCoding.decode(Array(try puts.decode(String.self, row, change).utf8)))
                } catch let error as PostgresError {
                    throw error
                } catch {
                    throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "a hook or notice row: \(error)")
                }
            }
            try connection.query(
                "SELECT set_config('statement_timeout', \(previousStatementTimeout), true)", timeoutMilliseconds: queryTimeoutMilliseconds)
            func next(_ name: String) throws(PostgresError) -> Int { try instance.decode(Int.self, 0, instance.column(name)) }
            fresh.reserveIDs(
                nextUserID: try next("next_user_id"), nextTokenID: try next("next_token_id"), nextGroupID: try next("next_group_id"),
                nextProjectID: try next("next_project_id"), nextHookID: try next("next_hook_id"),
                nextDeployTokenID: try next("next_deploy_token_id"))
            target = consume fresh
            lastSeq = seq
        } catch let error as PostgresError where error.kind == .corrupt && error.location != location.description {
            // A cell that is not what its column must hold, or a copy cut short: name the store
            // and the column (or the copy's row).
            throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "\(error.location): \(error.detail)")
        }
        loaded = true
        let elapsed = PostgresConnection.now() - started
        logger.log(
            level: elapsed >= 500 ? .notice : .debug, "loaded the store from the database",
            metadata: ["location": "\(location)", "last_seq": "\(lastSeq)", "milliseconds": "\(elapsed)"])
    }

    /// The users, their columns those of ``RecordSchema/user``.
    private func loadUsers(on connection: PostgresConnection, into state: inout StoreState, timeout: Int) throws {
        try loadRows(of: .user, orderBy: "id", on: connection, timeout: timeout) { user, _ throws(PostgresError) in state.apply(.putUser(user)) }
    }

    /// Every row of `schema`'s table, in `orderBy` order, by one binary `COPY … TO STDOUT`
    /// (rows streamed as the server reads them, each decoded in place from libpq's buffer,
    /// no text printed or parsed), each decoded into a record. `extra` are `bigint` columns
    /// before the schema's, cells 0, 1… of the row `each` gets. In the load's transaction, so
    /// in its snapshot.
    func loadRows<Record>(
        of schema: RecordSchema<Record>, extra: [String] = [], orderBy: String, on connection: PostgresConnection, timeout: Int,
        _ each: (Record, BinaryCopyRow) throws(PostgresError) -> Void
    ) throws(PostgresError) {
        let select = (extra.map { "\($0)::bigint" } + [schema.copyList]).joined(separator: ", ")
        var reader = BinaryCopyReader(columns: extra + schema.columnFields.map(\.column))
        let interner = ScopeInterner()
        try connection.copyOut(
            "COPY (SELECT \(unsafeSQL: select) FROM \(unsafeSQL: schema.qualifiedTable) ORDER BY \(unsafeSQL: orderBy)) TO STDOUT (FORMAT binary)",
            timeoutMilliseconds: timeout
        ) { (message) throws(PostgresError) in
            try reader.read(message) { (row) throws(PostgresError) in try each(try schema.decodeRow(row, from: extra.count, interner: interner), row) }
        }
        try reader.finish()
    }

    /// The tokens, their columns those of ``RecordSchema/token``, into a state made ready for
    /// as many as the table holds: their digests indexed in one pass at the end.
    private func loadTokens(on connection: PostgresConnection, into state: inout StoreState, timeout: Int) throws {
        let counted = try connection.query("SELECT count(*) AS tokens FROM tokend.tokens", timeoutMilliseconds: timeout)
        state.beginBulkLoad()
        defer { state.endBulkLoad() }
        state.reserveCapacity(tokens: try counted.decode(Int.self, 0, counted.column("tokens")))
        try loadRows(of: .token, orderBy: "id", on: connection, timeout: timeout) { token, _ throws(PostgresError) in state.apply(.putToken(token)) }
    }
}
