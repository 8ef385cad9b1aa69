import Synchronization
public import TokenCore

/// A repository that serves from another and refuses writes on demand, as a full, read-only
/// or failing store would: for the error paths of handler tests.
public final class FaultyRepository: TokenRepository {
    private let base: any TokenRepository
    private let refusal = Mutex<RepositoryError?>(nil)

    public init(_ base: any TokenRepository) { self.base = base }

    /// From now on every write throws `error` (nil: writes work again).
    public func refuseWrites(with error: RepositoryError?) { refusal.withLock { $0 = error } }

    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T { try base.read(body) }

    public func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T {
        if let error = refusal.withLock({ $0 }) { throw error }
        return try base.writeWithoutTransaction(work)
    }
}
