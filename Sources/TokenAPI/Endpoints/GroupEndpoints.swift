import HTTPTypes
import JSON
import TokenCore

/// The part of GitLab's Groups API that resource access tokens need: create and read groups.
enum GroupEndpoints {
    static let routes: [Route] = [
        Route(.post, "groups", errors: .groupSave, create),
        Route(.get, "groups/:id", access: .anonymousAllowed, show),
    ]

    /// `name` and `path` required; `parent_id` makes a subgroup (Maintainer of the parent).
    /// GitLab answers a model failure with "Failed to save group {…}".
    @Sendable static func create(_ context: RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let name = reader.string("name", required: true)
        let path = reader.string("path", required: true)
        let parent = reader.integer("parent_id")
        let visibility = reader.oneOf("visibility", RequestContext.visibilityNames).flatMap(Visibility.init(rawValue:))
        let description = reader.string("description")
        try reader.check()
        let new = ResourceDirectory.NewGroup(
            name: name ?? "", path: path ?? "", parentID: parent.map { GroupID($0) }, visibility: visibility ?? .private,
            description: description ?? "")
        let (caller, now, webBase) = (context.signedInCaller, context.now, context.webBase)
        let body = try context.write { state throws -> JSONWriter in
            let group = try ResourceDirectory.createGroup(new, by: caller, at: now, in: &state)
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(group, into: &w)
            return w
        }
        return .json(.created, body)
    }

    @Sendable static func show(_ context: RequestContext) throws -> APIResponse {
        try context.visibleResourceResponse(.group)
    }
}
