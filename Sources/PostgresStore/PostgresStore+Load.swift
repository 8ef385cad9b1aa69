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
            func next(_ name: String) throws(PostgresError) -> Int { try instance.decode(Int.self, 0, instance.column(name)) }
            fresh.reserveIDs(
                nextUserID: try next("next_user_id"), nextTokenID: try next("next_token_id"), nextGroupID: try next("next_group_id"),
                nextProjectID: try next("next_project_id"), nextHookID: try next("next_hook_id"),
                nextDeployTokenID: try next("next_deploy_token_id"))
            target = consume fresh
            lastSeq = seq
        } catch let error as PostgresError where error.kind == .corrupt && error.location.hasPrefix("column ") {
            // A cell that is not what its column must hold: name the store and the column.
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
        try loadRows(of: .user, orderBy: "id", on: connection, timeout: timeout) { state.apply(.putUser($0)) }
    }

    /// Every row of `schema`'s table, in `orderBy` order, each column read by name, decoded
    /// into a record (`extra` adds columns before the schema's, for `each` to read by name).
    func loadRows<Record>(
        of schema: RecordSchema<Record>, extra: String = "", orderBy: String, on connection: PostgresConnection, timeout: Int,
        _ each: (Record, _ rows: PostgresResult, _ row: Int) throws -> Void
    ) throws {
        let rows = try connection.query(
            "SELECT \(unsafeSQL: extra + schema.selectList) FROM \(unsafeSQL: schema.qualifiedTable) ORDER BY \(unsafeSQL: orderBy)",
            timeoutMilliseconds: timeout)
        let columns = try schema.columns(in: rows)
        var scopeLists: [String: [Scope]] = [:]
        for row in 0..<rows.rowCount {
            try each(try schema.decodeRow(rows, row, columns: columns, scopeLists: &scopeLists), rows, row)
        }
    }

    func loadRows<Record>(
        of schema: RecordSchema<Record>, orderBy: String, on connection: PostgresConnection, timeout: Int, _ each: (Record) throws -> Void
    ) throws {
        try loadRows(of: schema, orderBy: orderBy, on: connection, timeout: timeout) { record, _, _ in try each(record) }
    }

    /// The tokens, through a cursor 50,000 rows at a time (a million at once would hold the
    /// whole result twice in memory), their columns those of ``RecordSchema/token``.
    private func loadTokens(on connection: PostgresConnection, into state: inout StoreState, timeout: Int) throws {
        let counted = try connection.query("SELECT count(*) AS tokens FROM tokend.tokens", timeoutMilliseconds: timeout)
        let count = try counted.decode(Int.self, 0, counted.column("tokens"))
        state.beginBulkLoad()
        defer { state.endBulkLoad() }
        state.reserveCapacity(tokens: count)
        let schema = RecordSchema.token
        try connection.script(
            "DECLARE tokend_tokens NO SCROLL CURSOR FOR SELECT \(unsafeSQL: schema.selectList) FROM tokend.tokens ORDER BY id",
            timeoutMilliseconds: timeout)
        defer { _ = try? connection.script("CLOSE tokend_tokens", timeoutMilliseconds: timeout) }
        var scopeLists: [String: [Scope]] = [:]
        while true {
            let rows = try connection.query("FETCH 50000 FROM tokend_tokens", timeoutMilliseconds: timeout)
            guard rows.rowCount > 0 else { break }
            let columns = try schema.columns(in: rows)
            for row in 0..<rows.rowCount {
                state.apply(.putToken(try schema.decodeRow(rows, row, columns: columns, scopeLists: &scopeLists)))
            }
        }
    }

}
