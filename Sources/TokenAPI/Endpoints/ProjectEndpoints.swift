import HTTPTypes
import JSON
import TokenCore

/// GitLab's Projects API as far as tokens, members and scripts need it: list, create, read,
/// update and delete projects, and a project's groups.
enum ProjectEndpoints {
    static let routes: [Route] = [
        Route(.get, "projects", access: .anonymousAllowed, list),
        Route(.post, "projects", create),
        Route(.get, "projects/:id", access: .anonymousAllowed, show),
        Route(.put, "projects/:id", update),
        Route(.delete, "projects/:id", delete),
        Route(.get, "projects/:id/groups", access: .anonymousAllowed, groups),
        Route(.get, "projects/:id/users", access: .anonymousAllowed, users),
    ]

    /// Admins see every project; others public and internal ones and their own (anonymous
    /// callers public ones), narrowed by GitLab's filters.
    @Sendable static func list(_ context: RequestContext) throws -> APIResponse {
        try respond(context)
    }

    /// Where a list of projects looks.
    enum ListScope {
        case everywhere
        /// `GET /users/:user_id/projects`: a user's personal projects (an id or a username).
        case personal(String)
        /// `GET /groups/:id/projects` (`include_subgroups` adds the descendants' projects;
        /// tokend shares no projects with groups, so `with_shared` adds none).
        case group(GroupID)
    }

    /// A page of projects, `simple` ones when asked.
    static func respond(_ context: RequestContext, in scope: ListScope = .everywhere) throws -> APIResponse {
        var reader = context.reader()
        var query = ProjectQuery.read(from: &reader)
        var owner: String?
        switch scope {
        case .everywhere: break
        case .personal(let user): owner = user
        case .group(let group):
            query.group = group
            query.includeSubgroups = reader.boolean("include_subgroups") ?? false
            _ = reader.boolean("with_shared")
        }
        let simple = reader.boolean("simple") ?? false
        let pagination = Pagination(&reader)
        try reader.check()
        let (caller, now, webBase) = (context.caller, context.now, context.webBase)
        return try context.read { state throws -> APIResponse in
            if let owner {
                guard let user = UserDirectory.find(owner, in: state) else { throw HTTPError.notFound("User") }
                query.personalNamespace = user.id
            }
            let entity = ResourceEntity(state: state, webBase: webBase)
            return pagination.response(query.apply(in: state, caller: caller, now: now), context: context) { project, w in
                if simple { entity.writeSimple(project, into: &w) } else { entity.write(project, into: &w) }
            }
        }
    }

    /// `name` or `path` (at least one); `namespace_id` is a namespace's id or full path (a group,
    /// or a personal namespace: the caller's own, any for admins), else the caller's own.
    @Sendable static func create(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let name = reader.string("name")
        let path = reader.string("path")
        let namespace = reader.string("namespace_id")
        let visibility = reader.oneOf("visibility", RequestContext.visibilityNames).flatMap(Visibility.init(rawValue:))
        let description = reader.string("description")
        let settings = ProjectSettingsParameters.read(&reader)
        if name == nil && path == nil {
            reader.appendError("name, path are missing, at least one parameter must be provided")
        }
        try reader.check()
        let (caller, now, webBase) = (context.signedInCaller, context.now, context.webBase)
        let body = try context.write { state throws -> JSONWriter in
            var groupID: GroupID?
            var ownerID: UserID?
            if let namespace, !namespace.isEmpty {
                switch NamespaceQuery.find(namespace, in: state) {
                case .group(let id)?: groupID = id
                case .user(let id)?: ownerID = id
                case nil: throw ResourceDirectory.Failure.notFound("Namespace")
                }
            }
            let new = ResourceDirectory.NewProject(
                name: name, path: path, groupID: groupID, ownerID: ownerID, visibility: visibility ?? .private, description: description,
                settings: settings.applied(to: ProjectSettings()))
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

    /// Name, path, description, visibility and the settings (at least one): Maintainers, and
    /// Owners for a new name or visibility.
    @Sendable static func update(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        var changes = ResourceDirectory.Changes(
            name: reader.string("name"), path: reader.string("path"), description: reader.string("description"),
            visibility: reader.oneOf("visibility", RequestContext.visibilityNames).flatMap(Visibility.init(rawValue:)))
        let settings = ProjectSettingsParameters.read(&reader)
        changes.settings = settings
        if !(["name", "path", "description", "visibility"] + ProjectSettingsParameters.names).contains(where: reader.has) {
            reader.appendError("name, path, description, visibility are missing, at least one parameter must be provided")
        }
        try reader.check()
        let (caller, now, webBase) = (context.signedInCaller, context.now, context.webBase)
        let body = try context.write { state throws -> JSONWriter in
            guard case .project(let id) = try context.visibleResource(.project, in: state) else {
                throw HTTPError.notFound(ResourceKind.project.title)
            }
            let project = try ResourceDirectory.updateProject(id, changes, by: caller, at: now, in: &state)
            var w = JSONWriter()
            ResourceEntity(state: state, webBase: webBase).write(project, into: &w)
            return w
        }
        return .json(.ok, body)
    }

    /// 202 `{"message":"202 Accepted"}`; Owners only. The project, its members and bots are gone
    /// at once (GitLab 18 first marks a project for deletion).
    @Sendable static func delete(_ context: AuthenticatedContext) throws -> APIResponse {
        let (caller, now) = (context.signedInCaller, context.now)
        try context.write { state throws in
            guard case .project(let id) = try context.visibleResource(.project, in: state) else {
                throw HTTPError.notFound(ResourceKind.project.title)
            }
            try ResourceRemoval.deleteProject(id, by: caller, at: now, in: &state)
        }
        return .accepted
    }

    /// The project's group and its ancestors, newest id first (`PublicGroupDetails`); `search`
    /// and `skip_groups` narrow them. tokend shares no projects with groups.
    @Sendable static func groups(_ context: RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let search = reader.string("search", maxLength: RequestLimits.searchTerm).flatMap { $0.isEmpty ? nil : TokenQuery.NameSearch($0) }
        let skipped = Set(reader.integerArray("skip_groups")?.map { GroupID($0) } ?? [])
        _ = reader.boolean("with_shared")
        let pagination = Pagination(&reader)
        try reader.check()
        let webBase = context.webBase
        return try context.read { state throws -> APIResponse in
            guard case .project(let id) = try context.visibleResource(.project, in: state), let project = state.resources.project(id) else {
                throw HTTPError.notFound(ResourceKind.project.title)
            }
            var groups: [Group] = []
            if case .group(let owner) = project.namespace { groups = state.resources.lineage(of: owner) }
            groups = groups.filter { group in
                !skipped.contains(group.id) && (search.map { $0.matches(group.name) || $0.matches(group.path) } ?? true)
            }.sorted { $0.id > $1.id }
            let entity = ResourceEntity(state: state, webBase: webBase)
            return pagination.response(groups, context: context) { group, w in entity.writePublic(group, into: &w) }
        }
    }

    /// The project's users (`team.users`: its members, direct or through its groups), as
    /// `UserBasic`, by id; `search` (name, username) and `skip_users` narrow them.
    @Sendable static func users(_ context: RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let search = reader.string("search", maxLength: RequestLimits.searchTerm).flatMap { $0.isEmpty ? nil : TokenQuery.NameSearch($0) }
        let skipped = Set(reader.integerArray("skip_users")?.map { UserID($0) } ?? [])
        let pagination = Pagination(&reader)
        try reader.check()
        let (now, webBase) = (context.now, context.webBase)
        return try context.read { state throws -> APIResponse in
            let resource = try context.visibleResource(.project, in: state)
            let ids = Set(AccessPolicy.effectiveMembers(of: resource, state: state, now: now).map(\.userID)).subtracting(skipped)
            let users = ids.sorted().compactMap { state.user($0) }.filter { user in
                search.map { $0.matches(user.name) || $0.matches(user.username) } ?? true
            }
            return pagination.response(users, context: context) { user, w in UserEntity.write(user, .basic, webBase: webBase, into: &w) }
        }
    }
}
