/// Where the domain's state lives: read it, or change it in one all-or-nothing transaction.
///
/// A backend implements two things: `read`, and the primitive ``writeWithoutTransaction(_:)``
/// (the state held exclusively and current, and the ``TransactionStorage`` that makes changes
/// durable). ``write(_:_:)`` is written once on top of it: the transaction, the audit events of
/// what it changed and a credential's use, commit or rollback (GRDB's `write` over
/// `writeWithoutTransaction`). `write` persists every change the body made, durably, before it
/// returns; if the body throws, nothing it did is kept.
public protocol TokenRepository: Sendable {
    /// Runs `body` against the current state (never stale with respect to acknowledged writes).
    func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T
    /// Runs `work` with the state current and held exclusively, with the storage that persists
    /// a transaction's changes. `work` runs the transaction (``StoreState/transaction(in:recording:_:)``).
    func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T
}

extension TokenRepository {
    /// Runs `body` in one transaction with what `recording` asks for, and persists its changes
    /// before returning.
    public func write<T>(_ recording: WriteRecording = .none, _ body: (inout StoreState) throws -> T) throws -> T {
        try writeWithoutTransaction { state, storage in try state.transaction(in: storage, recording: recording, body) }
    }
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

    public func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T {
        try lock.withLock {
            let storage = ClosureStorage { [self] state in
                for case .audit(let event) in state.pendingChanges { audit.append(event) }
            }
            return try work(&state, storage)
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
