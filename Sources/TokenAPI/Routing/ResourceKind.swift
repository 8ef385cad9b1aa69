import HTTPTypes
import JSON
import TokenCore

/// Projects or groups: the two kinds of resource the members and access-token routes exist
/// for, declared by each route (`/projects/:id/…`, `/groups/:id/…`).
enum ResourceKind: Sendable, CaseIterable {
    case project
    case group

    /// The first path segment: `projects`, `groups`.
    var pathSegment: String { self == .project ? "projects" : "groups" }

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

extension HandlerContext {
    /// The project or group of the `:id` segment, if the caller may see it; otherwise 404
    /// `"404 Project Not Found"` / `"404 Group Not Found"`, whether it exists or not.
    func visibleResource(_ kind: ResourceKind, in state: borrowing StoreState) throws(HTTPError) -> Resource {
        guard let resource = kind.lookup(try path.require("id"), in: state),
            AccessPolicy.canRead(resource, by: base.caller, state: state, now: now)
        else { throw HTTPError.notFound(kind.title) }
        return resource
    }

    /// 200 with the project or group of the `:id` segment (`GET /projects/:id`, `/groups/:id`).
    func visibleResourceResponse(_ kind: ResourceKind) throws -> APIResponse {
        let webBase = self.webBase
        return try read { state throws -> APIResponse in
            let resource = try visibleResource(kind, in: state)
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(resource, into: &w)
            return .json(.ok, w)
        }
    }
}
