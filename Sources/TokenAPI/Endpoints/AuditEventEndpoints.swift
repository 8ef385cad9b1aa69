import HTTPTypes
import JSON
import TokenCore

/// GitLab's audit events API (EE's `audit_events.rb` and the `:id/audit_events` segments of
/// `ee/lib/ee/api/groups.rb` and `projects.rb`): the instance's events for administrators; a
/// project's or group's for its Developers and up, where those who do not administer it (below
/// Maintainer of a project, Owner of a group) read only the events they authored.
///
/// Each query covers at most 30 days, as GitLab's does (by default the last 30), newest first,
/// with offset pagination; the store reads only the audit files of that window
/// (``AuditLogReading``). As in GitLab, the caller's access is checked before the parameters
/// (the API's `before` filters run ahead of Grape's validation), and an event that is not there
/// is ActiveRecord's `404 Not found`.
enum AuditEventEndpoints {
    static let routes: [Route] = [
        Route(.get, "audit_events", listInstance),
        Route(.get, "audit_events/:id", showInstance),
    ] + ResourceKind.allCases.flatMap { kind in
        [
            Route(.get, kind.pathSegment + "/:id/audit_events") { try listResource($0, kind) },
            Route(.get, kind.pathSegment + "/:id/audit_events/:audit_event_id") { try showResource($0, kind) },
        ]
    }

    static let entityTypes = AuditEntity.Kind.allCases.map(\.rawValue)

    /// The store's audit log, or 404 when the backend keeps none.
    static func log(_ context: AuthenticatedContext) throws(HTTPError) -> any AuditLogReading {
        guard let log = context.dependencies.auditLog else { throw HTTPError.routeNotFound }
        return log
    }

    /// `created_after`/`created_before` as GitLab reads them ("on or after", "on or before"; the
    /// one not given is now, or 30 days before `created_before`), as a window of at most 30
    /// days. `created_after` alone is the range from then until now, so one more than 30 days
    /// back is the same 400 as the same range written with both.
    static func window(_ reader: inout ParameterReader, now: Timestamp) -> (after: Timestamp, before: Timestamp)? {
        let after = reader.dateTime("created_after")
        let before = reader.dateTime("created_before")
        let span = Int64(AuditQuery.maximumWindowDays) * Timestamp.millisecondsPerDay
        let end = before ?? max(now, after ?? now)
        let start = after ?? end.adding(milliseconds: -span)
        guard end.millisecondsSinceEpoch - start.millisecondsSinceEpoch <= span else {
            reader.appendError("created_after and created_before may be at most \(AuditQuery.maximumWindowDays) days apart")
            return nil
        }
        return (start, end)
    }

    // MARK: Instance

    @Sendable static func listInstance(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let window = window(&reader, now: context.now)
        let type = reader.oneOf("entity_type", entityTypes).flatMap(AuditEntity.Kind.init(rawValue:))
        let id = reader.integer("entity_id")
        if id != nil && type == nil && !reader.has("entity_type") { reader.appendError("entity_type is missing") }
        let pagination = Pagination(&reader)
        try reader.check()
        return try respond(context, window: window!, kind: type, id: id, pagination: pagination)
    }

    @Sendable static func showInstance(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let id = try context.path.require("id", as: Int.self)
        return try show(context, id: id) { _ in true }
    }

    // MARK: Projects and groups

    /// The resource of the path, if the caller may read its audit events (404 when they cannot
    /// see it, 403 below Developer), and the author they are limited to (GitLab's
    /// `filter_by_author`: nil for those who administer the resource and for administrators).
    static func resource(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> (Resource, UserID?) {
        let (caller, now) = (context.signedInCaller, context.now)
        return try context.read { state throws -> (Resource, UserID?) in
            let resource = try context.visibleResource(kind, in: state)
            if AccessPolicy.canAdminister(resource, by: caller, state: state, now: now) { return (resource, nil) }
            guard (AccessPolicy.accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess) >= .developer else {
                throw HTTPError.forbidden
            }
            return (resource, caller.user.id)
        }
    }

    static func listResource(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let (resource, author) = try resource(context, kind)
        let entity = AuditEntity.resource(resource)
        var reader = context.reader()
        let window = window(&reader, now: context.now)
        let pagination = Pagination(&reader)
        try reader.check()
        return try respond(context, window: window!, kind: entity.kind, id: entity.id, author: author, pagination: pagination)
    }

    static func showResource(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let (resource, author) = try resource(context, kind)
        let entity = AuditEntity.resource(resource)
        let id = try context.path.require("audit_event_id", as: Int.self)
        return try show(context, id: id) { $0.entity == entity && (author == nil || $0.actor.userID == author) }
    }

    // MARK: Answers

    static func respond(
        _ context: AuthenticatedContext, window: (after: Timestamp, before: Timestamp), kind: AuditEntity.Kind?, id: Int?,
        author: UserID? = nil, pagination: Pagination
    ) throws -> APIResponse {
        let limit = min(pagination.perPage, Int.max - pagination.offset)
        let query = AuditQuery(
            createdAfter: window.after, createdBefore: window.before, entityKind: kind, entityID: id, authorID: author,
            offset: pagination.offset, limit: limit)
        let page = try log(context).auditEvents(query)
        let entity = try context.read { state in AuditEventEntity(page.events, state: state) }
        return pagination.response(page: page.events, total: page.total, context: context) { event, w in entity.write(event, into: &w) }
    }

    static func show(_ context: AuthenticatedContext, id: Int, visible: (AuditEvent) -> Bool) throws -> APIResponse {
        guard let stored = try log(context).auditEvent(id: id), visible(stored.event) else { throw HTTPError.recordNotFound }
        let entity = try context.read { state in AuditEventEntity([stored], state: state) }
        var w = JSONWriter()
        entity.write(stored, into: &w)
        return .json(.ok, w)
    }
}
