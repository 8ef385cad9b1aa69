/// Reading the audit log back, for GitLab's audit events API. A store backend that keeps the
/// log implements it: the file store from its chained files, a database from its audit table.
///
/// An event's id is its `seq` in the chain. Reads are bounded by the query's time window
/// (the API allows at most ``AuditQuery/maximumWindowDays``), so a request never scans more
/// history than that, however long the log grows.
public protocol AuditLogReading: Sendable {
    /// The events matching `query`, newest first: the page `offset..<offset+limit`, and how
    /// many match in all.
    func auditEvents(_ query: AuditQuery) throws -> AuditPage
    /// The event with this id, if it is still retained.
    func auditEvent(id: Int) throws -> StoredAuditEvent?
}

public struct AuditQuery: Hashable, Sendable {
    /// GitLab limits each query to 30 days.
    public static let maximumWindowDays = 30

    public var createdAfter: Timestamp
    public var createdBefore: Timestamp
    public var entityKind: AuditEntity.Kind?
    public var entityID: Int?
    /// Only the events this user authored (GitLab's `author_id`: what a project's Developer or a
    /// group's Developer and Maintainer may read of its events).
    public var authorID: UserID?
    public var offset: Int
    public var limit: Int

    public init(
        createdAfter: Timestamp, createdBefore: Timestamp, entityKind: AuditEntity.Kind? = nil, entityID: Int? = nil, authorID: UserID? = nil, offset: Int = 0,
        limit: Int = 20
    ) {
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.entityKind = entityKind
        self.entityID = entityID
        self.authorID = authorID
        self.offset = offset
        self.limit = limit
    }

    /// Whether `event` is one this query asks for.
    public func matches(_ event: AuditEvent) -> Bool {
        event.time >= createdAfter && event.time <= createdBefore
            && (entityKind.map { $0 == event.entity.kind } ?? true) && (entityID.map { $0 == event.entity.id } ?? true)
            && (authorID.map { $0 == event.actor.userID } ?? true)
    }
}

public struct StoredAuditEvent: Hashable, Sendable {
    public var id: Int
    public var event: AuditEvent

    public init(id: Int, event: AuditEvent) {
        self.id = id
        self.event = event
    }
}

public struct AuditPage: Hashable, Sendable {
    public var events: [StoredAuditEvent]
    public var total: Int

    public init(events: [StoredAuditEvent], total: Int) {
        self.events = events
        self.total = total
    }
}
