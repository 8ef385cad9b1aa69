import JSON
import TokenCore

/// Projects or groups, as the first path segment names them (`/projects/:id`, `/groups/:id`).
enum ResourceKind: Sendable {
    case project
    case group

    /// From the first segment of the request path.
    init(segments: [String]) {
        self = segments.first == "groups" ? .group : .project
    }

    /// `Project` / `Group`, as GitLab's 404 messages name it.
    var title: String { self == .project ? "Project" : "Group" }

    /// The resource a `:id` names: a number, or a full path (`group/sub/project`, sent as `%2F`).
    func lookup(_ reference: String, in state: borrowing StoreState) -> Resource? {
        if let number = Int(reference) {
            switch self {
            case .project: return state.resources.project(ProjectID(number)).map { .project($0.id) }
            case .group: return state.resources.group(GroupID(number)).map { .group($0.id) }
            }
        }
        switch (self, state.resources.resource(atPath: reference)) {
        case (.project, .project(let id)?): return .project(id)
        case (.group, .group(let id)?): return .group(id)
        default: return nil
        }
    }
}

extension RequestContext {
    /// The caller as the domain's permission rules see them.
    var caller: Caller { Caller(user: user, isAdmin: isAdmin) }

    /// The caller, or nil on a route that also serves anonymous requests.
    var optionalCaller: Caller? { actor.map { Caller(user: $0, isAdmin: isAdmin) } }

    var resourceKind: ResourceKind { ResourceKind(segments: segments) }

    /// The project or group of the `:id` segment, if the caller may see it; otherwise 404
    /// `"404 Project Not Found"` / `"404 Group Not Found"`, whether it exists or not.
    func visibleResource(in state: borrowing StoreState) throws(HTTPError) -> Resource {
        let kind = resourceKind
        guard let resource = kind.lookup(pathParameter("id"), in: state),
            AccessPolicy.canRead(resource, by: optionalCaller, state: state, now: now)
        else { throw HTTPError.notFound(kind.title) }
        return resource
    }

    /// ``visibleResource(in:)`` in its own read.
    func visibleResource() throws -> Resource {
        try repository.read { state throws(HTTPError) in try visibleResource(in: state) }
    }

    /// 200 with the project or group of the `:id` segment (`GET /projects/:id`, `/groups/:id`).
    func visibleResourceResponse() throws -> APIResponse {
        let webBase = self.webBase
        return try repository.read { state throws -> APIResponse in
            let resource = try visibleResource(in: state)
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(resource, into: &w)
            return .json(200, w)
        }
    }
}
