import TokenAudit
import TokenCore
import TokenStore

extension PostgresStore {
    /// Persists a transaction on PostgreSQL in one round trip: `BEGIN`, a call of `tokend.write`
    /// with the changes, `COMMIT`. Under the write lock the function checks that the log still
    /// ends where the replica does; if so it appends and updates the tables, and that is all. If
    /// another host wrote first, it changes nothing and answers the entries missed: the
    /// transaction rolls back, they are applied (``catchUp(_:)``) and the body runs again. The
    /// third attempt takes the lock first and catches up under it, so it cannot lose.
    final class WriteCallStorage: TransactionStorage {
        let store: PostgresStore
        let connection: PostgresConnection
        /// The last attempt holds the advisory lock in an open transaction from ``prepare``.
        private var holdsLock = false
        /// A script of this attempt may have left the connection inside a transaction.
        private var opened = false
        /// What the function answered when another write came first.
        private var missed: (answer: PostgresResult, since: Int)?

        init(store: PostgresStore, connection: PostgresConnection) {
            self.store = store
            self.connection = connection
        }

        var maximumAttempts: Int { 3 }

        func prepare(attempt: Int, state: inout StoreState) throws {
            guard attempt == maximumAttempts - 1 else { return }
            opened = true
            let results = try connection.script(
                "BEGIN; SELECT pg_advisory_xact_lock(\(PostgresStore.writeLockKey)); \(PostgresStore.changesSince(store.lastSeq))",
                timeoutMilliseconds: store.queryTimeoutMilliseconds)
            holdsLock = true
            guard let missed = results.last else {
                throw PostgresError(.server, operation: "write", location: store.location.description, detail: "no answer to the catch-up")
            }
            try store.apply(missed, since: store.lastSeq, on: connection, into: &state)
        }

        func persist(_ state: inout StoreState) throws -> PersistOutcome {
            let changes = state.pendingChanges
            let since = store.lastSeq
            // Not committed, or (the connection lost during COMMIT) not known: either way the
            // client hears a failure (the transaction rolls back), and the next catch-up
            // applies whatever did commit.
            let call = try store.writeCall(changes, since: since, state: state)
            opened = true
            let results = try connection.script(
                (holdsLock ? "" : "BEGIN; ") + call.sql + "; COMMIT", timeoutMilliseconds: store.queryTimeoutMilliseconds)
            holdsLock = false
            opened = false
            guard results.count >= 2 else {
                throw PostgresError(.server, operation: "write", location: store.location.description, detail: "no answer from tokend.write")
            }
            let answer = results[results.count - 2]
            guard answer.rowCount > 0 else {
                store.lastSeq += changes.count
                if call.tail != store.auditTail { store.auditWitness.record(call.tail) }
                store.auditTail = call.tail
                return .persisted
            }
            missed = (answer, since)
            return .superseded
        }

        func catchUp(_ state: inout StoreState) throws {
            guard let missed else { return }
            self.missed = nil
            try store.apply(missed.answer, since: missed.since, on: connection, into: &state)
        }

        /// A transaction that changed nothing on the last attempt still holds the lock.
        func finish() throws {
            guard holdsLock else { return }
            holdsLock = false
            opened = false
            try connection.script("COMMIT", timeoutMilliseconds: store.queryTimeoutMilliseconds)
        }

        func abandon() {
            guard opened else { return }
            store.rollback(connection)
            holdsLock = false
            opened = false
        }
    }
}
