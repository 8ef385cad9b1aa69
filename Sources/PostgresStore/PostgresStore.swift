public import Logging
import Synchronization
public import TokenCore
import TokenStore

/// The PostgreSQL store: several tokend hosts on one database.
///
/// Each worker process keeps the whole domain state in memory as a replica of a change log held
/// in the database (`tokend.changes`), the way a JSON-store worker follows its journal:
///
/// - A **read** first asks the database for the log entries after the last one applied (one
///   indexed query, usually answering none), applies them, then runs against the replica. So a
///   request that starts after another host acknowledged a write sees it, and a token revoked
///   on host A is refused on host B at its very next request.
/// - A **write** takes a transaction-scoped advisory lock (one writer at a time across every
///   host), catches up on the log, runs the domain transaction on the replica, then appends its
///   changes to the log, updates the normalised tables and commits. Nothing is answered before
///   the commit is durable. A check that guards a write (the session's credential, a rotation's
///   "not yet revoked") runs on a replica that is current under that lock, so two hosts
///   rotating one token give one winner, and the loser is a reuse.
///
///   Usually the replica is current already (the request's own read just caught it up), so the
///   write first runs optimistically and sends everything in one round trip, lock and commit
///   included, with `tokend.expect_last_seq`: if another write committed meanwhile, that
///   transaction fails before changing anything, and the write runs again the careful way
///   (lock and catch up in one round trip, run, append and commit in a second). A write that
///   changes nothing touches no database at all.
/// - The database down or silent: every wait is bounded (connect 3 s, lock 2 s, answers 5 s)
///   and both reads and writes fail with ``RepositoryError/Kind/unavailable`` (503, nothing
///   served stale); broken connections are dropped and the next request reconnects.
public final class PostgresStore: TokenRepository, @unchecked Sendable {
    public let location: PostgresLocation
    let pool: ConnectionPool
    let logger: Logger
    /// Guards the replica: shared while requests read it, exclusive while changes apply.
    let rw = ReadWriteLock()
    var state = StoreState()
    /// The last log entry applied to ``state``.
    var lastSeq = 0
    var loaded = false
    /// Catch-up queries numbered as they are sent (`sent`), and the highest number whose
    /// answer the replica holds (`fresh`). A read that arrives when `sent` is k is served as
    /// soon as any query numbered above k has been applied: that query was sent after the read
    /// arrived, so its snapshot holds every write acknowledged before. Concurrent reads share
    /// one round trip instead of each sending its own, and the guarantee stays exact.
    let tickets = Mutex<(sent: Int, fresh: Int)>((0, 0))
    /// The last catch-up found new entries: the next one asks for them straight away.
    let logMoving = Atomic<Bool>(false)
    /// Client-side bound on any one answer from the database.
    public var queryTimeoutMilliseconds = 5_000
    /// How long a writer waits for another host's write lock before answering 503.
    public static let lockTimeoutMilliseconds = 2_000

    /// The advisory lock every write holds (`pg_advisory_xact_lock`): "tokend" in ASCII.
    static let writeLockKey = 0x746F6B656E64
    /// The advisory lock migrations hold.
    static let migrationLockKey = 0x746F6B656E6D
    /// The log entry a bulk write appends: every host reloads the tables.
    static let reloadMarker = #"{"kind":"reload"}"#

    /// Prepares the store; connects on first use (a worker starts even while the database is
    /// down, and answers 503 until it is back).
    public init(location: PostgresLocation, logger: Logger = Logger(label: "tokend.store")) {
        self.location = location
        self.logger = logger
        pool = ConnectionPool(location: location) { connection throws(PostgresError) in
            try connection.script(
                "SET client_min_messages = warning; SET standard_conforming_strings = on; SET lock_timeout = '\(PostgresStore.lockTimeoutMilliseconds)ms'; "
                    + "SET statement_timeout = '60s'; SET idle_in_transaction_session_timeout = '30s'",
                timeoutMilliseconds: 5_000)
        }
    }

    // MARK: TokenRepository

    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T {
        try catchUp()
        return try rw.withReadLock { try body(state) }
    }

    public func write<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        try rw.withWriteLock {
            try mapped {
                try loadIfNeeded()
                // Under the advisory lock the write catches up and commits with no other commit
                // in between: afterwards the replica is as fresh as a query sent now.
                let ticket = tickets.withLock { $0.sent += 1; return $0.sent }
                let result = try pool.withConnection { connection in try transaction(on: connection, body) }
                tickets.withLock { $0.fresh = max($0.fresh, ticket) }
                return result
            }
        }
    }

    /// One write transaction on `connection`; the caller holds the replica exclusively.
    ///
    /// Round trip 1 sends, after running `body` on the replica as it stands: `BEGIN`, the lock,
    /// the log since ``lastSeq``, a savepoint, `tokend.expect_last_seq`, the changes and `COMMIT`.
    /// When no other write committed meanwhile, that is all. Otherwise the expectation fails
    /// (nothing persisted), the transaction goes back to the savepoint still holding the lock,
    /// the entries it fetched bring the replica up to date, `body` runs again, and round trip 2
    /// sends its changes and `COMMIT`.
    private func transaction<T>(on connection: PostgresConnection, _ body: (inout StoreState) throws -> T) throws -> T {
        state.beginTransaction()
        let optimistic: T
        do {
            optimistic = try body(&state)
        } catch {
            state.rollback()
            throw error
        }
        guard !state.pendingChanges.isEmpty else {
            state.commit()
            return optimistic
        }
        let since = lastSeq
        let sql = "BEGIN; SELECT pg_advisory_xact_lock(\(Self.writeLockKey)); \(Self.changesSince(since)); "
            + "SAVEPOINT tokend_optimistic; SELECT tokend.expect_last_seq(\(since)); " + persistence(of: state.pendingChanges)
        let sent: (results: [PostgresResult], failure: PostgresError?)
        do {
            sent = try connection.scriptKeepingResults(sql, timeoutMilliseconds: queryTimeoutMilliseconds)
        } catch {
            state.rollback()
            throw error
        }
        guard let failure = sent.failure else {
            lastSeq += state.pendingChanges.count
            state.commit()
            return optimistic
        }
        state.rollback()
        guard failure.sqlState == "TD001", sent.results.count >= 3 else {
            // Not committed, or (the connection lost during COMMIT) not known: either way the
            // client hears a failure, and the next catch-up applies whatever did commit.
            rollback(connection)
            throw failure
        }
        // Another write came first. The lock is ours; the entries after `since` are in hand.
        let missed = sent.results[2]
        var prefix = "ROLLBACK TO SAVEPOINT tokend_optimistic; "
        do {
            if !Self.continues(missed, since: since) {
                // A reload reads the tables on this connection: out of the failed state first.
                try connection.script(prefix, timeoutMilliseconds: queryTimeoutMilliseconds)
                prefix = ""
            }
            try apply(missed, since: since, on: connection)
        } catch {
            rollback(connection)
            throw error
        }
        state.beginTransaction()
        let result: T
        do {
            result = try body(&state)
        } catch {
            state.rollback()
            rollback(connection)
            throw error
        }
        let changes = state.pendingChanges
        do {
            try connection.script(prefix + (changes.isEmpty ? "COMMIT" : persistence(of: changes)), timeoutMilliseconds: queryTimeoutMilliseconds)
        } catch {
            state.rollback()
            rollback(connection)
            throw error
        }
        lastSeq += changes.count
        state.commit()
        return result
    }

    /// The statements that persist `changes` after ``lastSeq``, through `COMMIT`: the log
    /// entries, the table rows, the instance's sequence and next ids.
    private func persistence(of changes: [StoreChange]) -> String {
        var sql = ""
        sql.reserveCapacity(1024 * changes.count)
        sql += "INSERT INTO tokend.changes (seq, change) VALUES "
        for (offset, change) in changes.enumerated() {
            if offset > 0 { sql += "," }
            sql += "(\(lastSeq + offset + 1),\(SQLLiteral.text(String(decoding: ChangeCoding.encode(change), as: UTF8.self))))"
        }
        sql += ";"
        for change in changes { sql += TableRows.statements(for: change, in: state) }
        sql += "UPDATE tokend.instance SET last_seq = \(lastSeq + changes.count), next_user_id = \(state.nextUserID), "
            + "next_token_id = \(state.nextTokenID), next_group_id = \(state.nextGroupID), next_project_id = \(state.nextProjectID);"
        return sql + "COMMIT"
    }

    private func rollback(_ connection: PostgresConnection) {
        _ = try? connection.script("ROLLBACK", timeoutMilliseconds: queryTimeoutMilliseconds)
    }

    // MARK: Following the log

    /// Applies the log entries committed since the last one applied.
    func catchUp() throws {
        let arrived = tickets.withLock { $0.sent }
        if tickets.withLock({ $0.fresh }) > arrived { return }
        try mapped {
            let ticket = tickets.withLock { $0.sent += 1; return $0.sent }
            let since = rw.withReadLock { loaded ? lastSeq : nil }
            guard let since else {
                try rw.withWriteLock { try loadIfNeeded() }
                tickets.withLock { $0.fresh = max($0.fresh, ticket) }
                return
            }
            let result = try pool.withConnection { connection -> PostgresResult? in
                // Most reads find nothing new: ask for the last sequence alone (the cheapest
                // query there is), unless the last catch-up found changes.
                if !logMoving.load(ordering: .relaxed) {
                    let head = try connection.prepared("tokend_last_seq", "SELECT last_seq FROM tokend.instance", [], timeoutMilliseconds: queryTimeoutMilliseconds)
                    if head.rowCount == 1, head.int(0, 0) == since { return nil }
                }
                return try connection.prepared("tokend_changes_since", Self.changesSinceParameter, [String(since)], timeoutMilliseconds: queryTimeoutMilliseconds)
            }
            let moved = result.map { !($0.rowCount == 1 && $0.isNull(0, 1) && $0.int(0, 0) == since) } ?? false
            logMoving.store(moved, ordering: .relaxed)
            if let result, moved {
                try rw.withWriteLock {
                    try pool.withConnection { connection in try apply(result, since: since, on: connection) }
                }
            }
            tickets.withLock { $0.fresh = max($0.fresh, ticket) }
        }
    }

    /// The instance's last sequence, with the log entries after `seq` (at most 10,001: further
    /// behind, a host reloads the tables instead), in one statement, so one snapshot.
    static func changesSince(_ seq: Int) -> String {
        "SELECT i.last_seq, c.seq, c.change FROM tokend.instance i LEFT JOIN LATERAL "
            + "(SELECT seq, change FROM tokend.changes WHERE seq > \(seq) ORDER BY seq LIMIT 10001) c ON true ORDER BY c.seq"
    }

    static let changesSinceParameter =
        "SELECT i.last_seq, c.seq, c.change FROM tokend.instance i LEFT JOIN LATERAL "
        + "(SELECT seq, change FROM tokend.changes WHERE seq > $1 ORDER BY seq LIMIT 10001) c ON true ORDER BY c.seq"

    /// Applies a ``changesSince(_:)`` answer, asked for the entries after `since`, to the
    /// replica (held exclusively; it may have moved past `since` meanwhile); reloads the tables
    /// when the log does not continue (entries pruned, a bulk write's reload marker, a store
    /// initialised anew).
    func apply(_ result: PostgresResult, since: Int, on connection: PostgresConnection) throws {
        guard result.rowCount > 0, let instanceSeq = result.int(0, 0) else {
            throw PostgresError(
                .corrupt, operation: "read", location: location.description,
                detail: "tokend.instance has no row: run `tokend init` with this store first")
        }
        if instanceSeq < since || result.rowCount > 10_000 {
            try reload(on: connection)
            return
        }
        for row in 0..<result.rowCount {
            guard let seq = result.int(row, 1) else { continue }
            guard seq > lastSeq else { continue }
            guard seq == lastSeq + 1, let text = result.string(row, 2), text != Self.reloadMarker else {
                try reload(on: connection)
                return
            }
            do {
                state.apply(try ChangeCoding.decode(text.utf8))
            } catch {
                throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "change \(seq) in tokend.changes: \(error)")
            }
            lastSeq = seq
        }
    }

    /// True when ``apply(_:since:on:)`` can apply `result` entry by entry, without a reload.
    static func continues(_ result: PostgresResult, since: Int) -> Bool {
        guard result.rowCount > 0, result.rowCount <= 10_000, let instanceSeq = result.int(0, 0), instanceSeq >= since else { return false }
        var expected = since + 1
        for row in 0..<result.rowCount {
            guard let seq = result.int(row, 1) else { continue }
            guard seq == expected, result.string(row, 2) != reloadMarker else { return false }
            expected += 1
        }
        return true
    }

    /// Runs `body`, turning database failures into the repository's errors (the API's 503s).
    func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError {
            if error.kind != .server || error.repositoryError.kind == .failed {
                logger.error("database failure", metadata: ["error": "\(error)"])
            }
            throw error.repositoryError
        }
    }
}
