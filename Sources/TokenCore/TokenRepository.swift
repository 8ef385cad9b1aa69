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

/// A repository held in memory only: for domain and handler tests. Its audit log is the list
/// of committed audit events, ids from 1.
public final class InMemoryRepository: TokenRepository, AuditLogReading, @unchecked Sendable {
    private var state: StoreState
    private var audit: [AuditEvent] = []
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
                for case .audit(let event) in state.commit() { audit.append(event) }
                return result
            } catch {
                state.rollback()
                throw error
            }
        }
    }
}

extension InMemoryRepository {
    /// Every committed audit event, oldest first.
    public var auditEvents: [AuditEvent] { lock.withLock { audit } }

    public func auditEvents(_ query: AuditQuery) throws -> AuditPage {
        let all = lock.withLock { audit }
        let matching = all.enumerated().reversed().filter { query.matches($0.element) }
        let page = matching.dropFirst(query.offset).prefix(query.limit).map { StoredAuditEvent(id: $0.offset + 1, event: $0.element) }
        return AuditPage(events: Array(page), total: matching.count)
    }

    public func auditEvent(id: Int) throws -> StoredAuditEvent? {
        lock.withLock { audit.indices.contains(id - 1) ? StoredAuditEvent(id: id, event: audit[id - 1]) : nil }
    }
}
