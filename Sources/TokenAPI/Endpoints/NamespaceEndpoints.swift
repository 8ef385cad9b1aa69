import HTTPTypes
import JSON
import TokenCore

/// GitLab's Namespaces API (`lib/api/namespaces.rb`): users' personal namespaces and groups, for
/// signed-in callers. A user's namespace is numbered apart from groups (``Namespace/apiID``).
enum NamespaceEndpoints {
    static let routes: [Route] = [
        Route(.get, "namespaces", list),
        Route(.get, "namespaces/:id", show),
        Route(.get, "namespaces/:id/exists", exists),
    ]

    /// Admins see every namespace, others their own and their groups' (`owned_only`: Owner).
    @Sendable static func list(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let search = reader.string("search", maxLength: RequestLimits.searchTerm).flatMap { $0.isEmpty ? nil : TokenQuery.NameSearch($0) }
        let ownedOnly = reader.boolean("owned_only") ?? false
        let topLevelOnly = reader.boolean("top_level_only") ?? false
        let fullPathSearch = reader.boolean("full_path_search") ?? false
        let pagination = Pagination(&reader)
        try reader.check()
        let (caller, now, webBase) = (context.signedInCaller, context.now, context.webBase)
        return try context.read { state throws -> APIResponse in
            let namespaces = NamespaceQuery.listed(
                to: caller, ownedOnly: ownedOnly, topLevelOnly: topLevelOnly, search: search, fullPathSearch: fullPathSearch,
                state: state, now: now)
            let entity = ResourceEntity(state: state, webBase: webBase)
            let totals = ResourceEntity.NamespaceTotals(state: state)
            return pagination.response(namespaces, context: context) { namespace, w in
                entity.writeDetail(namespace, caller: caller, totals: totals, now: now, into: &w)
            }
        }
    }

    /// By API id or full path; GitLab's 404 for one the caller may not read.
    @Sendable static func show(_ context: AuthenticatedContext) throws -> APIResponse {
        let reference = try context.path.require("id")
        let (caller, now, webBase) = (context.signedInCaller, context.now, context.webBase)
        let body = try context.read { state throws -> JSONWriter in
            guard let namespace = NamespaceQuery.find(reference, in: state),
                NamespaceQuery.canRead(namespace, by: caller, state: state, now: now)
            else { throw HTTPError.notFound("Namespace") }
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase)
                .writeDetail(namespace, caller: caller, totals: ResourceEntity.NamespaceTotals(state: state), now: now, into: &w)
            return w
        }
        return .json(.ok, body)
    }

    /// Whether the path (`:id`) is taken at the top level, or under `parent_id`, with a free
    /// path to suggest when it is.
    @Sendable static func exists(_ context: AuthenticatedContext) throws -> APIResponse {
        let path = try context.path.require("id")
        var reader = context.reader()
        let parent = reader.integer("parent_id")
        try reader.check()
        let (taken, suggestion) = try context.read { state -> (Bool, String?) in
            let parentID = parent.map { GroupID($0) }
            let taken = NamespaceQuery.isTaken(path, under: parentID, in: state)
            return (taken, taken ? NamespaceQuery.suggestion(for: path, under: parentID, in: state) : nil)
        }
        var w = JSONWriter()
        w.beginObject()
        w.field("exists", taken)
        w.field("suggests", suggestion.map { [$0] } ?? [])
        w.endObject()
        return .json(.ok, w)
    }
}
