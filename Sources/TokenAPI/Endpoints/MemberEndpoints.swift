import HTTPTypes
import JSON
import TokenCore

/// GitLab's Members API for projects and groups: direct members, added, changed and removed
/// by the resource's administrators (project Maintainers, group Owners, instance admins).
enum MemberEndpoints {
    static let routes: [Route] = ResourceKind.allCases.flatMap { kind in
        let base = kind.pathSegment + "/:id/members"
        return [
            Route(.get, base) { try list($0, kind) },
            Route(.get, base + "/:user_id") { try show($0, kind) },
            Route(.get, base + "/all") { try listAll($0, kind) },
            Route(.get, base + "/all/:user_id") { try showInherited($0, kind) },
            Route(.post, base) { try add($0, kind) },
            Route(.put, base + "/:user_id") { try update($0, kind) },
            Route(.delete, base + "/:user_id") { try remove($0, kind) },
        ]
    }

    static func list(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let query = reader.string("query", maxLength: RequestLimits.searchTerm).flatMap { $0.isEmpty ? nil : SubstringSearch($0) }
        let only = reader.integerArray("user_ids").map { Set($0.map { UserID($0) }) }
        let skipped = Set(reader.integerArray("skip_users")?.map { UserID($0) } ?? [])
        let pagination = Pagination(&reader)
        try reader.check()
        let webBase = context.webBase
        return try context.read { state throws -> APIResponse in
            let resource = try context.visibleResource(kind, in: state)
            let members = state.resources.members(of: resource).filter { member in
                if skipped.contains(member.userID) || only.map({ !$0.contains(member.userID) }) == true { return false }
                guard let query, let user = state.user(member.userID) else { return true }
                return query.occurs(in: user.username) || query.occurs(in: user.name)
            }
            let entity = ResourceEntity(state: state, webBase: webBase)
            return pagination.response(members, context: context) { member, w in entity.write(member, into: &w) }
        }
    }

    /// Direct and inherited members, each once at their highest level.
    static func listAll(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let pagination = Pagination(&reader)
        try reader.check()
        let (webBase, now) = (context.webBase, context.now)
        return try context.read { state throws -> APIResponse in
            let members = AccessPolicy.effectiveMembers(of: try context.visibleResource(kind, in: state), state: state, now: now)
            let entity = ResourceEntity(state: state, webBase: webBase)
            return pagination.response(members, context: context) { member, w in entity.write(member, into: &w) }
        }
    }

    static func showInherited(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let userID = UserID(try context.path.require("user_id", as: Int.self))
        let (webBase, now) = (context.webBase, context.now)
        return try context.read { state throws -> APIResponse in
            let members = AccessPolicy.effectiveMembers(of: try context.visibleResource(kind, in: state), state: state, now: now)
            guard let member = members.first(where: { $0.userID == userID }) else { throw HTTPError.recordNotFound }
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(member, into: &w)
            return .json(.ok, w)
        }
    }

    static func show(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let userID = UserID(try context.path.require("user_id", as: Int.self))
        let webBase = context.webBase
        return try context.read { state throws -> APIResponse in
            let resource = try context.visibleResource(kind, in: state)
            guard let member = state.resources.membership(resource, userID) else { throw HTTPError.recordNotFound }
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(member, into: &w)
            return .json(.ok, w)
        }
    }

    static func add(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let level = reader.integer("access_level", required: true)
        let userID = reader.integer("user_id", required: true)
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let (caller, now) = (context.signedInCaller, context.now)
        return try change(context, kind, status: .created) { resource, state in
            try ResourceDirectory.addMember(
                UserID(userID ?? 0), to: resource, accessLevel: level ?? 0, expiresAt: expiresAt, by: caller, at: now, in: &state)
        }
    }

    static func update(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let userID = UserID(try context.path.require("user_id", as: Int.self))
        var reader = context.reader()
        let level = reader.integer("access_level", required: true)
        let expiresAt: CivilDate?? = reader.has("expires_at") ? .some(reader.date("expires_at")) : .none
        try reader.check()
        let (caller, now) = (context.signedInCaller, context.now)
        return try change(context, kind, status: .ok) { resource, state in
            try ResourceDirectory.updateMember(
                userID, of: resource, accessLevel: level ?? 0, expiresAt: expiresAt, by: caller, at: now, in: &state)
        }
    }

    static func remove(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let userID = UserID(try context.path.require("user_id", as: Int.self))
        let (caller, now) = (context.signedInCaller, context.now)
        return try change(context, kind, status: .noContent) { resource, state in
            try ResourceDirectory.removeMember(userID, from: resource, by: caller, at: now, in: &state)
            return nil
        }
    }

    /// Runs a membership change on the visible resource of the path in the request's one
    /// transaction and answers the changed member (or 204 when the change returns none).
    static func change(
        _ context: AuthenticatedContext, _ kind: ResourceKind, status: HTTPResponse.Status,
        _ body: (Resource, inout StoreState) throws -> Membership?
    ) throws -> APIResponse {
        let webBase = context.webBase
        let written = try context.write { state throws -> JSONWriter? in
            let resource = try context.visibleResource(kind, in: state)
            guard let member = try body(resource, &state) else { return nil }
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(member, into: &w)
            return w
        }
        guard let written else { return .noContent }
        return .json(status, written)
    }
}
