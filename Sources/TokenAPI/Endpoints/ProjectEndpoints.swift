import HTTPTypes
import JSON
import TokenCore

/// The part of GitLab's Projects API that resource access tokens need: create and read projects.
enum ProjectEndpoints {
    static let routes: [Route] = [
        Route(.post, "projects", create),
        Route(.get, "projects/:id", access: .anonymousAllowed, show),
    ]

    /// `name` or `path` (at least one); `namespace_id` is a group's id or full path, else the
    /// caller's personal namespace.
    @Sendable static func create(_ context: RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let name = reader.string("name")
        let path = reader.string("path")
        let namespace = reader.string("namespace_id")
        let visibility = reader.oneOf("visibility", RequestContext.visibilityNames).flatMap(Visibility.init(rawValue:))
        let description = reader.string("description")
        if name == nil && path == nil {
            reader.appendError("name, path are missing, at least one parameter must be provided")
        }
        try reader.check()
        let (caller, now, webBase) = (context.signedInCaller, context.now, context.webBase)
        let body = try context.write { state throws -> JSONWriter in
            var groupID: GroupID?
            if let namespace, !namespace.isEmpty {
                guard case .group(let id)? = ResourceKind.group.lookup(namespace, in: state) else {
                    throw ResourceDirectory.Failure.notFound("Namespace")
                }
                groupID = id
            }
            let new = ResourceDirectory.NewProject(
                name: name, path: path, groupID: groupID, visibility: visibility ?? .private, description: description)
            let project = try ResourceDirectory.createProject(new, by: caller, at: now, in: &state)
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(project, into: &w)
            return w
        }
        return .json(.created, body)
    }

    @Sendable static func show(_ context: RequestContext) throws -> APIResponse {
        try context.visibleResourceResponse(.project)
    }
}
