import JSON
import TokenCore

/// GitLab's Members API for projects and groups: direct members, added, changed and removed
/// by the resource's administrators (project Maintainers, group Owners, instance admins).
enum MemberEndpoints {
    static let routes: [Route] = ["projects", "groups"].flatMap { kind in
        [
            Route("GET", "\(kind)/:id/members", list),
            Route("GET", "\(kind)/:id/members/:user_id", show),
            Route("GET", "\(kind)/:id/members/all", listAll),
            Route("GET", "\(kind)/:id/members/all/:user_id", showInherited),
            Route("POST", "\(kind)/:id/members", add),
            Route("PUT", "\(kind)/:id/members/:user_id", update),
            Route("DELETE", "\(kind)/:id/members/:user_id", remove),
        ]
    }

    /// The `:user_id` segment as an integer, else 400 "user_id is invalid".
    static func memberID(_ context: RequestContext) throws(HTTPError) -> UserID {
        guard let id = Int(context.pathParameter("user_id")) else { throw HTTPError.error(400, "user_id is invalid") }
        return UserID(id)
    }

    @Sendable static func list(_ context: inout RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let query = reader.string("query", maxLength: RequestLimits.searchTerm).flatMap { $0.isEmpty ? nil : SubstringSearch($0) }
        let pagination = Pagination(&reader)
        try reader.check()
        let webBase = context.webBase
        return try context.repository.read { state throws -> APIResponse in
            let resource = try context.visibleResource(in: state)
            let members = state.resources.members(of: resource).filter { member in
                guard let query, let user = state.user(member.userID) else { return true }
                return query.occurs(in: user.username) || query.occurs(in: user.name)
            }
            let entity = ResourceEntity(state: state, webBase: webBase)
            return pagination.response(members, context: context) { member, w in entity.write(member, into: &w) }
        }
    }

    /// Direct and inherited members, each once at their highest level.
    @Sendable static func listAll(_ context: inout RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let pagination = Pagination(&reader)
        try reader.check()
        let (webBase, now) = (context.webBase, context.now)
        return try context.repository.read { state throws -> APIResponse in
            let members = AccessPolicy.effectiveMembers(of: try context.visibleResource(in: state), state: state, now: now)
            let entity = ResourceEntity(state: state, webBase: webBase)
            return pagination.response(members, context: context) { member, w in entity.write(member, into: &w) }
        }
    }

    @Sendable static func showInherited(_ context: inout RequestContext) throws -> APIResponse {
        let userID = try memberID(context)
        let (webBase, now) = (context.webBase, context.now)
        return try context.repository.read { state throws -> APIResponse in
            let members = AccessPolicy.effectiveMembers(of: try context.visibleResource(in: state), state: state, now: now)
            guard let member = members.first(where: { $0.userID == userID }) else { throw HTTPError.message(404, "404 Not found") }
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(member, into: &w)
            return .json(200, w)
        }
    }

    @Sendable static func show(_ context: inout RequestContext) throws -> APIResponse {
        let userID = try memberID(context)
        let webBase = context.webBase
        return try context.repository.read { state throws -> APIResponse in
            let resource = try context.visibleResource(in: state)
            guard let member = state.resources.membership(resource, userID) else { throw HTTPError.message(404, "404 Not found") }
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(member, into: &w)
            return .json(200, w)
        }
    }

    @Sendable static func add(_ context: inout RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let level = reader.integer("access_level", required: true)
        let userID = reader.integer("user_id", required: true)
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let (caller, now) = (context.caller, context.now)
        return try change(context, status: 201) { resource, state throws(ResourceDirectory.Failure) in
            try ResourceDirectory.addMember(
                UserID(userID ?? 0), to: resource, accessLevel: level ?? 0, expiresAt: expiresAt, by: caller, at: now, in: &state)
        }
    }

    @Sendable static func update(_ context: inout RequestContext) throws -> APIResponse {
        let userID = try memberID(context)
        var reader = context.reader()
        let level = reader.integer("access_level", required: true)
        let expiresAt: CivilDate?? = reader.has("expires_at") ? .some(reader.date("expires_at")) : .none
        try reader.check()
        let (caller, now) = (context.caller, context.now)
        return try change(context, status: 200) { resource, state throws(ResourceDirectory.Failure) in
            try ResourceDirectory.updateMember(
                userID, of: resource, accessLevel: level ?? 0, expiresAt: expiresAt, by: caller, at: now, in: &state)
        }
    }

    @Sendable static func remove(_ context: inout RequestContext) throws -> APIResponse {
        let userID = try memberID(context)
        let (caller, now) = (context.caller, context.now)
        return try change(context, status: 204) { resource, state throws(ResourceDirectory.Failure) in
            try ResourceDirectory.removeMember(userID, from: resource, by: caller, at: now, in: &state)
            return nil
        }
    }

    /// Runs a membership change on the visible resource of the path in one transaction and
    /// answers the changed member (or 204 when the change returns none).
    static func change(
        _ context: RequestContext, status: Int,
        _ body: (Resource, inout StoreState) throws(ResourceDirectory.Failure) -> Membership?
    ) throws -> APIResponse {
        let webBase = context.webBase
        let written = try context.directoryWrite { state throws -> JSONWriter? in
            let resource = try context.visibleResource(in: state)
            guard let member = try body(resource, &state) else { return nil }
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(member, into: &w)
            return w
        }
        guard let written else { return .noContent() }
        return .json(status, written)
    }
}
