import JSON
import TokenCore

/// The part of GitLab's Groups API that resource access tokens need: create and read groups.
enum GroupEndpoints {
    static let routes: [Route] = [
        Route("POST", "groups", create),
        Route("GET", "groups/:id", anonymous: true, show),
    ]

    /// `name` and `path` required; `parent_id` makes a subgroup (Maintainer of the parent).
    /// GitLab answers a model failure with "Failed to save group {…}".
    @Sendable static func create(_ context: inout RequestContext) throws -> APIResponse {
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
        let caller = context.caller
        let now = context.now
        let webBase = context.webBase
        let body = try context.repository.write { state throws -> JSONWriter in
            do throws(ResourceDirectory.Failure) {
                let group = try ResourceDirectory.createGroup(new, by: caller, at: now, in: &state)
                var w = JSONWriter()
                ResourceEntity(state: state, webBase: webBase).write(group, into: &w)
                return w
            } catch .invalid(let errors) {
                let detail = errors.map { "\($0.field): [\"\($0.message)\"]" }.joined(separator: ", ")
                throw HTTPError.message(400, "Failed to save group {\(detail)}")
            } catch {
                throw error.httpError
            }
        }
        return .json(201, body)
    }

    @Sendable static func show(_ context: inout RequestContext) throws -> APIResponse {
        try context.visibleResourceResponse()
    }
}
