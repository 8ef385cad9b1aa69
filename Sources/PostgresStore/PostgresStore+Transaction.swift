import Synchronization
import TokenAudit
import TokenCore

extension PostgresStore {
    /// Attempts of a batch before it gives up; the last takes the write lock first.
    static let maximumAttempts = 3

    /// Runs a batch of queued writes (``WriteQueue``) and sends all their changes in one call
    /// of `tokend.write`, committed in the same round trip.
    ///
    /// Each write's transaction runs on the replica in turn (``StoreState/transaction(in:recording:_:)``
    /// with a ``StagingStorage``), each on the state the ones before it left, as if they had run
    /// one after another: a write that fails its own checks rolls back alone and answers its
    /// own error, and the others go on. The replica keeps what the committed ones did undoable
    /// as one (``StoreState/beginBatch()``). Under the write lock the function checks that the
    /// log still ends where the replica does; if so it appends and updates the tables. If
    /// another host wrote first, it changes nothing and answers the entries missed, keeping the
    /// lock for this connection's next call (``WriteFunction``): the whole batch rolls back,
    /// they are applied and every write runs again, and that attempt cannot lose. (The third
    /// attempt, against a function that kept no lock, takes the lock first: `BEGIN`, the lock,
    /// the catch-up under it.) A kept lock no retry uses is let go at once. A call that
    /// fails (the database down, the connection lost during `COMMIT`) fails every write of the
    /// batch, which the replica undoes; the next catch-up applies whatever did commit.
    func execute(_ batch: [QueuedWrite], on connection: PostgresConnection) throws {
        var inBatch = false
        // A lost attempt kept the write lock for the retry (`tokend.write_retry`).
        var keptLock = false
        do {
            for attempt in 0..<Self.maximumAttempts {
                if attempt == Self.maximumAttempts - 1 {
                    try connection.script("BEGIN; \(unsafeSQL: PostgresStore.lockStatement)", timeoutMilliseconds: queryTimeoutMilliseconds)
                    let missed = try connection.query(PostgresStore.changesSince(lastSeq), timeoutMilliseconds: queryTimeoutMilliseconds)
                    try apply(missed, since: lastSeq, on: connection, into: &state)
                }
                let staging = StagingStorage()
                state.beginBatch()
                inBatch = true
                for write in batch { write.run?(&state, staging) }
                let changes = staging.changes
                let since = lastSeq
                guard !changes.isEmpty else {
                    state.endBatch()
                    inBatch = false
                    if connection.inTransaction { try connection.script("COMMIT", timeoutMilliseconds: queryTimeoutMilliseconds) }
                    if keptLock { try releaseRetryLock(connection) }
                    return
                }
                let call = try writeCall(changes, since: since, state: state)
                let answer = try connection.prepared("tokend_write", call.sql, timeoutMilliseconds: queryTimeoutMilliseconds)
                if connection.inTransaction { try connection.script("COMMIT", timeoutMilliseconds: queryTimeoutMilliseconds) }
                writeCallCount.add(1, ordering: .relaxed)
                if answer.rowCount == 0 {
                    state.endBatch()
                    inBatch = false
                    lastSeq += changes.count
                    if call.tail != auditTail { auditWitness.record(call.tail) }
                    auditTail = call.tail
                    return
                }
                state.rollbackBatch()
                inBatch = false
                keptLock = true
                // A reload (the log pruned past the replica, a bulk write) takes long: not
                // under the lock. The next attempt is optimistic again.
                try apply(answer, since: since, on: connection, into: &state) {
                    try releaseRetryLock(connection)
                    keptLock = false
                }
            }
            if keptLock { try releaseRetryLock(connection) }
        } catch {
            if inBatch { state.rollbackBatch() }
            rollback(connection)
            // Whether or not an answer said so: a call that failed after the function took its
            // session hold (its transaction aborted, so `tokend.write_retry` went back to
            // 'ready' while the hold, not transactional, stayed) must not leave the lock held
            // by this connection, which would stop every host's writes. (A broken connection
            // is dropped, and its holds end with it.)
            if !connection.isBroken { _ = try? releaseRetryLock(connection) }
            throw error
        }
        throw RepositoryError(.busy, "other writes kept committing first (\(Self.maximumAttempts) attempts)")
    }

    /// The storage each write of a batch runs its transaction with: its changes join the
    /// batch's one call instead of going to the database on their own.
    final class StagingStorage: TransactionStorage {
        private(set) var changes: [StoreChange] = []

        func persist(_ state: inout StoreState) throws -> PersistOutcome {
            changes.append(contentsOf: state.pendingChanges)
            return .persisted
        }
    }
}
