import HTTPTypes
import JSON
import TokenCore

/// GitLab's Groups API as far as tokens, members and scripts need it: list, create, read,
/// update and delete groups, their subgroups, and sharing them with other groups.
enum GroupEndpoints {
    static let routes: [Route] = [
        Route(.get, "groups", access: .anonymousAllowed, list),
        Route(.post, "groups", errors: .groupSave, create),
        Route(.get, "groups/:id", access: .anonymousAllowed, show),
        Route(.put, "groups/:id", update),
        Route(.delete, "groups/:id", delete),
        Route(.get, "groups/:id/subgroups", access: .anonymousAllowed) { try listBelow($0, descendants: false) },
        Route(.get, "groups/:id/descendant_groups", access: .anonymousAllowed) { try listBelow($0, descendants: true) },
        Route(.get, "groups/:id/projects", access: .anonymousAllowed, projects),
        Route(.get, "groups/:id/groups/shared", access: .anonymousAllowed, sharedGroups),
        Route(.post, "groups/:id/share", share),
        Route(.delete, "groups/:id/share/:group_id", unshare),
    ]

    // MARK: Lists

    /// Admins see every group; others the groups they belong to (and, with `all_available`,
    /// public and internal ones); anonymous callers public ones.
    @Sendable static func list(_ context: RequestContext) throws -> APIResponse {
        try respond(context, parent: nil)
    }

    /// `…/subgroups` and `…/descendant_groups` of a group the caller can see (else 404).
    static func listBelow(_ context: RequestContext, descendants: Bool) throws -> APIResponse {
        let id = try context.read { state in try context.visibleResource(.group, in: state) }
        guard case .group(let group) = id else { throw HTTPError.notFound(ResourceKind.group.title) }
        return try respond(context, parent: descendants ? .descendants(group) : .children(group))
    }

    static func respond(_ context: RequestContext, parent: GroupQuery.Parent?) throws -> APIResponse {
        var reader = context.reader()
        var query = GroupQuery.read(from: &reader)
        query.parent = parent
        if case .sharingWith? = parent { query.allAvailable = query.allAvailable ?? true }
        let pagination = Pagination(&reader)
        try reader.check()
        let (caller, now, webBase) = (context.caller, context.now, context.webBase)
        return try context.read { state in
            let entity = ResourceEntity(state: state, webBase: webBase)
            return pagination.response(query.apply(in: state, caller: caller, now: now), context: context) { group, w in
                entity.write(group, into: &w)
            }
        }
    }

    /// `GET /groups/:id/projects`: the group's projects the caller may see (GitLab's
    /// GroupProjectsFinder), with the filters of `GET /projects`; `include_subgroups` adds its
    /// descendants' projects. tokend shares no projects with groups, so `with_shared` adds none.
    @Sendable static func projects(_ context: RequestContext) throws -> APIResponse {
        let id = try context.read { state in try context.visibleResource(.group, in: state) }
        guard case .group(let group) = id else { throw HTTPError.notFound(ResourceKind.group.title) }
        return try ProjectEndpoints.respond(context, in: .group(group))
    }

    /// `GET /groups/:id/groups/shared`: the groups that shared themselves with this one, those
    /// the caller may see (public and internal ones too unless `all_available=false`).
    @Sendable static func sharedGroups(_ context: RequestContext) throws -> APIResponse {
        let id = try context.read { state in try context.visibleResource(.group, in: state) }
        guard case .group(let group) = id else { throw HTTPError.notFound(ResourceKind.group.title) }
        return try respond(context, parent: .sharingWith(group))
    }

    // MARK: One group

    /// `name` and `path` required; `parent_id` makes a subgroup (Maintainer of the parent).
    /// GitLab answers a model failure with "Failed to save group {…}".
    @Sendable static func create(_ context: AuthenticatedContext) throws -> APIResponse {
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
            ResourceEntity(state: state, webBase: webBase).writeDetail(group, caller: caller, now: now, into: &w)
            return w
        }
        return .json(.created, body)
    }

    /// `GroupDetail`: the group with the groups it is shared with.
    @Sendable static func show(_ context: RequestContext) throws -> APIResponse {
        let (caller, now, webBase) = (context.caller, context.now, context.webBase)
        return try context.read { state throws -> APIResponse in
            guard case .group(let id) = try context.visibleResource(.group, in: state), let group = state.resources.group(id) else {
                throw HTTPError.notFound(ResourceKind.group.title)
            }
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).writeDetail(group, caller: caller, now: now, into: &w)
            return .json(.ok, w)
        }
    }

    /// Name, path, description and visibility, by the group's Owners (403 for other members).
    @Sendable static func update(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let changes = ResourceDirectory.Changes(
            name: reader.string("name"), path: reader.string("path"), description: reader.string("description"),
            visibility: reader.oneOf("visibility", RequestContext.visibilityNames).flatMap(Visibility.init(rawValue:)))
        try reader.check()
        let (caller, now, webBase) = (context.signedInCaller, context.now, context.webBase)
        let body = try context.write { state throws -> JSONWriter in
            guard case .group(let id) = try context.visibleResource(.group, in: state) else { throw HTTPError.notFound(ResourceKind.group.title) }
            let group = try ResourceDirectory.updateGroup(id, changes, by: caller, at: now, in: &state)
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).writeDetail(group, caller: caller, now: now, into: &w)
            return w
        }
        return .json(.ok, body)
    }

    /// 202 `{"message":"202 Accepted"}`; the group, its subgroups and projects are gone at once.
    @Sendable static func delete(_ context: AuthenticatedContext) throws -> APIResponse {
        let (caller, now) = (context.signedInCaller, context.now)
        try context.write { state throws in
            guard case .group(let id) = try context.visibleResource(.group, in: state) else { throw HTTPError.notFound(ResourceKind.group.title) }
            try ResourceRemoval.deleteGroup(id, by: caller, at: now, in: &state)
        }
        return .accepted
    }

    // MARK: Sharing

    /// `group_id` and `group_access` required; 201 with the shared group's details.
    @Sendable static func share(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let invitedID = reader.integer("group_id", required: true)
        let level = reader.accessLevel("group_access", allowed: AccessLevel.memberLevels)
        if !reader.has("group_access") { reader.appendError("group_access is missing") }
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let (caller, now, webBase) = (context.signedInCaller, context.now, context.webBase)
        let body = try context.write { state throws -> JSONWriter in
            // GitLab finds the invited group first, then the one to share.
            let invited = GroupID(invitedID ?? 0)
            guard state.resources.group(invited) != nil, AccessPolicy.canRead(.group(invited), by: caller, state: state, now: now) else {
                throw HTTPError.notFound(ResourceKind.group.title)
            }
            guard case .group(let id) = try context.visibleResource(.group, in: state) else { throw HTTPError.notFound(ResourceKind.group.title) }
            let group = try GroupSharing.share(
                id, with: invited, accessLevel: level ?? .guest, expiresAt: expiresAt, by: caller, at: now, in: &state)
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).writeDetail(group, caller: caller, now: now, into: &w)
            return w
        }
        return .json(.created, body)
    }

    /// 204; 404 "Group Link Not Found" when the group is not shared with that one.
    @Sendable static func unshare(_ context: AuthenticatedContext) throws -> APIResponse {
        let invited = GroupID(try context.path.require("group_id", as: Int.self))
        let (caller, now) = (context.signedInCaller, context.now)
        try context.write { state throws in
            guard case .group(let id) = try context.visibleResource(.group, in: state) else { throw HTTPError.notFound(ResourceKind.group.title) }
            try GroupSharing.unshare(id, from: invited, by: caller, at: now, in: &state)
        }
        return .noContent
    }
}
