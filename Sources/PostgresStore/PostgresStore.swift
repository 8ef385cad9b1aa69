public import Logging
import Synchronization
public import TokenCore
public import TokenAudit
import TokenRecords

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
///   write runs on it first and sends everything in one round trip: `tokend.write` (a function
///   of the schema, its statements planned once per connection) takes the lock, checks that
///   the log has not moved, appends and updates the tables. If another write committed
///   meanwhile, nothing is written and the missed entries come back with the lock kept for
///   this connection's next call: the write runs again on them, and that call cannot lose.
///   A write that changes nothing touches no database at all.
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
    /// The audit chain as of ``lastSeq``: the newest row of `tokend.audit_events`, which a
    /// write's events continue (``PostgresStore+Audit``).
    var auditTail = AuditChain.Link.start
    /// `tokend.instance.audit_key`, read with the tables.
    var auditKey: AuditChain.Key?
    /// Where the chain's head goes after every write that added rows (``AuditWitness``).
    let auditWitness: AuditWitness
    var loaded = false
    /// Catch-up queries numbered as they are sent (`sent`), and the highest number whose
    /// answer the replica holds (`fresh`). A read that arrives when `sent` is k is served as
    /// soon as any query numbered above k has been applied: that query was sent after the read
    /// arrived, so its snapshot holds every write acknowledged before. Concurrent reads share
    /// one round trip instead of each sending its own, and the guarantee stays exact.
    let tickets = Mutex<(sent: Int, fresh: Int)>((0, 0))
    /// The last catch-up found new entries: the next one asks for them straight away.
    let logMoving = Atomic<Bool>(false)
    /// Writes waiting to go to the database together.
    let writes = WriteQueue()
    /// Calls of `tokend.write` made (``writeCalls``).
    let writeCallCount = Atomic<Int>(0)
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
    public init(location: PostgresLocation, logger: Logger = Logger(label: "tokend.store"), auditWitness: AuditWitness = .none) {
        self.location = location
        self.logger = logger
        self.auditWitness = auditWitness
        pool = ConnectionPool(location: location) { connection throws(PostgresError) in
            try connection.script(
                "SET client_min_messages = warning; SET standard_conforming_strings = on; "
                    + "SET lock_timeout = '\(unsafeSQL: String(PostgresStore.lockTimeoutMilliseconds))ms'; "
                    + "SET statement_timeout = '60s'; SET idle_in_transaction_session_timeout = '30s'; "
                    + "SET tokend.write_retry = 'ready'",
                timeoutMilliseconds: 5_000)
        }
    }

    /// Opens the connections a worker with `threads` request threads holds, before its first
    /// request (best effort: those that cannot be opened now open at first use).
    public func openConnections(forThreads threads: Int) { pool.prefill(threads) }

    // MARK: TokenRepository

    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T {
        try catchUp()
        return try rw.withReadLock { try body(state) }
    }

    /// The primitive under ``TokenRepository/write(_:_:)``: the replica held exclusively and
    /// loaded, one connection, and a ``StagingStorage`` that adds the transaction's changes to
    /// its batch's one call (``execute(_:on:)``). Under
    /// the advisory lock the write catches up and commits with no other commit in between:
    /// afterwards the replica is as fresh as a query sent now.
    ///
    /// Concurrent writes of this process go together (``WriteQueue``): one thread runs each
    /// queued write's transaction on the replica in turn and sends all their changes in one call
    /// (``execute(_:on:)``); each write returns once the commit that holds it is known.
    public func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T {
        var result: Result<T, any Error>?
        let failure = withoutActuallyEscaping(work) { work -> (any Error)? in
            let write = QueuedWrite { state, storage in result = Result { try work(&state, storage) } }
            writes.submit(write) { batch in run(batch) }
            return write.failure
        }
        if let failure { throw failure }
        guard let result else { throw RepositoryError(.failed, "a queued write was never run") }
        return try result.get()
    }

    /// Runs one batch of writes with the replica held exclusively and current, on one
    /// connection; a failure of the batch becomes the answer of each of its writes.
    private func run(_ batch: [QueuedWrite]) {
        do {
            try rw.withWriteLock {
                try mapped {
                    try loadIfNeeded()
                    let ticket = tickets.withLock { $0.sent += 1; return $0.sent }
                    try pool.withConnection { connection in try execute(batch, on: connection) }
                    tickets.withLock { $0.fresh = max($0.fresh, ticket) }
                }
            }
        } catch {
            for write in batch { write.failure = error }
        }
    }

    /// Calls of `tokend.write` this process made (one per batch attempt): for tests and monitoring.
    public var writeCalls: Int { writeCallCount.load(ordering: .relaxed) }

    /// Writes waiting for a batch to take them.
    public var queuedWrites: Int { writes.waiting }

    /// `SELECT * FROM tokend.write(since, changes, next ids)`, every value bound, and where the
    /// audit chain will stand once it commits: each audit event's entry carries its chained
    /// line (``auditEntry(_:seq:after:)``).
    func writeCall(_ changes: [StoreChange], since: Int, state: borrowing StoreState) throws(PostgresError) -> (sql: SQL, tail: AuditChain.Link) {
        var entries: [String] = []
        entries.reserveCapacity(changes.count)
        var tail = auditTail
        for (offset, change) in changes.enumerated() {
            let entry: [UInt8]
            if case .audit(let event) = change {
                (entry, tail) = try auditEntry(event, seq: since + offset + 1, after: tail)
            } else {
                entry = ChangeCoding.encode(change)
            }
            entries.append(String(decoding: entry, as: UTF8.self))
        }
        let ids = [state.nextUserID, state.nextTokenID, state.nextGroupID, state.nextProjectID, state.nextHookID, state.nextDeployTokenID]
        return ("SELECT * FROM tokend.write(\(since)::bigint, \(entries)::text[], \(ids)::bigint[])", tail)
    }

    /// Takes the write lock for the transaction (`BEGIN` first).
    static let lockStatement = "SELECT pg_advisory_xact_lock(\(writeLockKey))"

    func rollback(_ connection: PostgresConnection) {
        guard connection.inTransaction else { return }
        _ = try? connection.script("ROLLBACK", timeoutMilliseconds: queryTimeoutMilliseconds)
    }

    /// Lets go of the write lock a lost attempt kept for its retry (`tokend.write_retry`
    /// 'held') when no retry follows: the batch's writes all failed their checks, or the
    /// batch failed.
    func releaseRetryLock(_ connection: PostgresConnection) throws(PostgresError) {
        try connection.script(
            "SELECT pg_advisory_unlock_all(), set_config('tokend.write_retry', 'ready', false)",
            timeoutMilliseconds: queryTimeoutMilliseconds)
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
                    let head = try connection.prepared("tokend_last_seq", "SELECT last_seq FROM tokend.instance", timeoutMilliseconds: queryTimeoutMilliseconds)
                    if head.rowCount == 1, head.int(0, 0) == since { return nil }
                }
                return try connection.prepared("tokend_changes_since", Self.changesSince(since), timeoutMilliseconds: queryTimeoutMilliseconds)
            }
            let moved = result.map { !($0.rowCount == 1 && $0.isNull(0, 1) && $0.int(0, 0) == since) } ?? false
            logMoving.store(moved, ordering: .relaxed)
            if let result, moved {
                try rw.withWriteLock {
                    try pool.withConnection { connection in try apply(result, since: since, on: connection, into: &state) }
                }
            }
            tickets.withLock { $0.fresh = max($0.fresh, ticket) }
        }
    }

    /// The instance's last sequence, with the log entries after `seq` (at most 10,001: further
    /// behind, a host reloads the tables instead), in one statement, so one snapshot.
    static func changesSince(_ seq: Int) -> SQL {
        "SELECT i.last_seq, c.seq, c.change FROM tokend.instance i LEFT JOIN LATERAL "
            + "(SELECT seq, change FROM tokend.changes WHERE seq > \(seq)::bigint ORDER BY seq LIMIT 10001) c ON true ORDER BY c.seq"
    }

    /// Applies a ``changesSince(_:)`` answer, asked for the entries after `since`, to the
    /// replica (held exclusively; it may have moved past `since` meanwhile); reloads the tables
    /// when the log does not continue (entries pruned, a bulk write's reload marker, a store
    /// initialised anew), after `beforeReload`.
    func apply(
        _ result: PostgresResult, since: Int, on connection: PostgresConnection, into target: inout StoreState,
        beforeReload: () throws -> Void = {}
    ) throws {
        guard result.rowCount > 0 else {
            throw PostgresError(
                .corrupt, operation: "read", location: location.description,
                detail: "tokend.instance has no row: run `tokend init` with this store first")
        }
        let (lastColumn, seqColumn, changeColumn) = (try result.column("last_seq"), try result.column("seq"), try result.column("change"))
        let instanceSeq = try result.decode(Int.self, 0, lastColumn)
        if instanceSeq < since || result.rowCount > 10_000 {
            try beforeReload()
            try reload(on: connection, into: &target)
            return
        }
        for row in 0..<result.rowCount {
            // One row with no entry (the LEFT JOIN's) when nothing is new.
            guard let seq = try result.decode(Int?.self, row, seqColumn) else { continue }
            guard seq > lastSeq else { continue }
            let text = try result.decode(String.self, row, changeColumn)
            guard seq == lastSeq + 1, text != Self.reloadMarker else {
                try beforeReload()
                try reload(on: connection, into: &target)
                return
            }
            do {
                let change = try ChangeCoding.decode(text.utf8)
                if case .audit = change { auditTail = try Self.chainLink(ofEntry: text, seq: seq) }
                target.apply(change)
            } catch {
                throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "change \(seq) in tokend.changes: \(error)")
            }
            lastSeq = seq
        }
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
