/// The store of a worker that could not open its real one yet (PostgreSQL not up, the data
/// directory unreadable): every read and write throws `reason`, so every route answers what it
/// answers for a store that cannot be reached (the API 503 with `Retry-After`, the gate its
/// 503/401, pages a 503 page, readiness `failed` with the reason). Nothing is ever served or
/// written from it.
public struct UnreachableStore: TokenRepository, StoreMonitoring {
    /// Why the store cannot be opened; its message never holds a password or a token.
    public let reason: RepositoryError
    public let readinessChecks: [String]

    public init(_ reason: RepositoryError, readinessChecks: [String] = ["store_check"]) {
        self.reason = reason
        self.readinessChecks = readinessChecks
    }

    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T { throw reason }

    public func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T {
        throw reason
    }

    public func gauges() throws -> [(name: String, help: String, value: Int)] { [] }
}
