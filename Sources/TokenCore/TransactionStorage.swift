/// How one backend makes a transaction's changes durable: the primitive each
/// ``TokenRepository`` implements (as GRDB's `writeWithoutTransaction` under its `write`). The
/// transaction itself (begin, the body, the audit events, a credential's use, commit or roll
/// back) is written once, in ``StoreState/transaction(in:recording:_:)``.
public protocol TransactionStorage {
    /// Before attempt `attempt` (from 0) runs the body. PostgreSQL's last attempt takes the
    /// write lock and catches up first, so it cannot lose to another host.
    func prepare(attempt: Int, state: inout StoreState) throws
    /// Makes the state's pending changes durable (they may grow: the JSON store adds the audit
    /// events a CGI process left for it), or answers that another writer came first and nothing
    /// was written.
    func persist(_ state: inout StoreState) throws -> PersistOutcome
    /// After ``PersistOutcome/superseded`` and the rollback: applies what the other writer wrote,
    /// so the body runs again on the current state.
    func catchUp(_ state: inout StoreState) throws
    /// The transaction committed (with or without anything to persist): release what the
    /// attempt still holds.
    func finish() throws
    /// The transaction failed after ``prepare(attempt:state:)``: release what the attempt holds.
    func abandon()
    /// How many times the body may run before the write gives up (1: the store is held
    /// exclusively and never superseded).
    var maximumAttempts: Int { get }
}

/// What ``TransactionStorage/persist(_:)`` came to.
public enum PersistOutcome: Sendable {
    /// Durable: the transaction commits.
    case persisted
    /// Another writer came first and nothing was written: roll back, catch up, run again.
    case superseded
}

extension TransactionStorage {
    public func prepare(attempt: Int, state: inout StoreState) throws {}
    public func catchUp(_ state: inout StoreState) throws {}
    public func finish() throws {}
    public func abandon() {}
    public var maximumAttempts: Int { 1 }
}

/// Storage whose persistence is one closure: an in-memory store, or a bulk load that writes
/// its result its own way after the transaction.
public struct ClosureStorage: TransactionStorage {
    private let persistChanges: (inout StoreState) throws -> Void

    public init(_ persist: @escaping (inout StoreState) throws -> Void) { persistChanges = persist }

    public func persist(_ state: inout StoreState) throws -> PersistOutcome {
        try persistChanges(&state)
        return .persisted
    }
}
