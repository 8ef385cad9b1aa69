/// Where the domain's state lives: read it, or change it in one all-or-nothing transaction.
///
/// The JSON file store is the embedded implementation; another backend (PostgreSQL) would
/// implement the same two calls. `write` persists every change the body made, durably, before
/// it returns; if the body throws, nothing it did is kept.
public protocol TokenRepository: Sendable {
    /// Runs `body` against the current state (never stale with respect to acknowledged writes).
    func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T
    /// Runs `body` in a transaction and persists its changes before returning.
    func write<T>(_ body: (inout StoreState) throws -> T) throws -> T
}

/// A repository held in memory only: for domain and handler tests.
public final class InMemoryRepository: TokenRepository, @unchecked Sendable {
    private var state: StoreState
    private let lock = MutexLock()

    public init(_ state: StoreState = StoreState()) { self.state = state }

    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T {
        try lock.withLock { try body(state) }
    }

    public func write<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        try lock.withLock {
            state.beginTransaction()
            do {
                let result = try body(&state)
                state.commit()
                return result
            } catch {
                state.rollback()
                throw error
            }
        }
    }
}
