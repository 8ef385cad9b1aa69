import HTTPTypes
import JSON
import TokenCore

/// The Users API: the current user, users by id or username, and their administration.
enum UserEndpoints {
    static let routes: [Route] = [
        Route(.get, "user", scopes: .users, currentUser),
        Route(.get, "users", scopes: .users, list),
        Route(.post, "users", scopes: .users, create),
        Route(.get, "users/:id", scopes: .users, show),
        Route(.put, "users/:id", scopes: .users, update),
        Route(.delete, "users/:id", scopes: .users, delete),
        Route(.post, "users/:id/block", scopes: .users, block),
        Route(.post, "users/:id/unblock", scopes: .users, unblock),
        Route(.get, "users/:user_id/memberships", scopes: .users, memberships),
        Route(.get, "users/:user_id/projects", scopes: .users, access: .anonymousAllowed) {
            try ProjectEndpoints.respond($0, in: .personal(try $0.path.require("user_id")))
        },
    ]

    @Sendable static func currentUser(_ context: AuthenticatedContext) throws -> APIResponse {
        var w = JSONWriter()
        UserEntity.write(context.user, context.isAdmin ? .admin : .own, webBase: context.webBase, into: &w)
        return .json(.ok, w)
    }

    /// Admins see every user (`UserWithAdmin`); others the active ones, as `UserBasic` (no
    /// e-mail addresses), GitLab's UsersFinder filters applied (``UserQuery``).
    @Sendable static func list(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let query = UserQuery.read(from: &reader)
        let pagination = Pagination(&reader)
        try reader.check()
        let isAdmin = context.isAdmin
        let users = query.apply(to: try context.read { $0.allUsers() }, isAdmin: isAdmin)
        let base = context.webBase
        return pagination.response(users, context: context) { user, w in
            UserEntity.write(user, isAdmin ? .admin : .basic, webBase: base, into: &w)
        }
    }

    /// A user's direct memberships (admins, after Grape has checked the parameters):
    /// `type=Project` or `Namespace` narrows them.
    @Sendable static func memberships(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.path.require("user_id", as: Int.self)
        var reader = context.reader()
        let type = reader.oneOf("type", ["Project", "Namespace"])
        let pagination = Pagination(&reader)
        try reader.check()
        try context.requireAdmin()
        let webBase = context.webBase
        return try context.read { state throws -> APIResponse in
            guard state.user(UserID(id)) != nil else { throw HTTPError.notFound("User") }
            let memberships = state.resources.memberships(of: UserID(id)).filter { membership in
                switch (type, membership.resource) {
                case ("Project", .group), ("Namespace", .project): return false
                default: return true
                }
            }.sorted { ($0.createdAt, $0.resource) < ($1.createdAt, $1.resource) }
            let entity = ResourceEntity(state: state, webBase: webBase)
            return pagination.response(memberships, context: context) { membership, w in entity.writeUserMembership(membership, into: &w) }
        }
    }

    /// The user of the `:id` segment, else 404 "404 User Not Found".
    static func target(_ context: AuthenticatedContext, in state: borrowing StoreState) throws -> User {
        guard let id = try context.path.integer("id"), let user = state.user(UserID(id)) else { throw HTTPError.notFound("User") }
        return user
    }

    @Sendable static func show(_ context: AuthenticatedContext) throws -> APIResponse {
        let user = try context.read { state in try target(context, in: state) }
        var w = JSONWriter()
        UserEntity.write(user, context.isAdmin ? .admin : .profile, webBase: context.webBase, into: &w)
        return .json(.ok, w)
    }

    /// `email`, `name` and `username` required; the attributes `PUT /users/:id` takes may be set
    /// at once (parameters tokend does not model, `password` after its check, are accepted).
    @Sendable static func create(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let email = reader.string("email", required: true)
        let name = reader.string("name", required: true)
        let username = reader.string("username", required: true)
        var attributes = readAttributes(&reader)
        // GitLab's `reset_password` and `force_random_password` leave no usable password:
        // here none is stored, and the user signs in once an admin sets one.
        _ = reader.boolean("reset_password")
        _ = reader.boolean("force_random_password")
        try reader.check()
        let passwordHash = try hashed(attributes.password, context)
        attributes.password = nil
        let new = UserDirectory.NewUser(
            username: username ?? "", name: name ?? "", email: email ?? "", isAdmin: attributes.isAdmin ?? false, passwordHash: passwordHash)
        (attributes.username, attributes.name, attributes.email) = (nil, nil, nil)
        let now = context.now
        let user = try context.write { state throws -> User in
            let user = try UserDirectory.create(new, at: now, in: &state)
            return try update(user.id, attributes, passwordHash: nil, in: &state)
        }
        var w = JSONWriter()
        UserEntity.write(user, .admin, webBase: context.webBase, into: &w)
        return .json(.created, w)
    }

    /// The attributes `POST /users` and `PUT /users/:id` take.
    static func readAttributes(_ reader: inout ParameterReader) -> UserDirectory.Changes {
        var changes = UserDirectory.Changes()
        changes.username = reader.string("username")
        changes.name = reader.string("name")
        changes.email = reader.string("email")
        changes.isAdmin = reader.boolean("admin")
        changes.external = reader.boolean("external")
        changes.canCreateGroup = reader.boolean("can_create_group")
        changes.projectsLimit = reader.integer("projects_limit")
        changes.note = reader.string("note")
        changes.bio = reader.string("bio")
        changes.location = reader.string("location")
        changes.websiteURL = reader.string("website_url")
        changes.organization = reader.string("organization")
        changes.jobTitle = reader.string("job_title")
        changes.pronouns = reader.string("pronouns")
        changes.password = reader.string("password")
        return changes
    }

    /// A new password's bcrypt hash, made before the write (bcrypt takes tens of milliseconds,
    /// which no store lock should wait for); GitLab's 400 for one that breaks its rules.
    static func hashed(_ password: String?, _ context: AuthenticatedContext) throws -> String? {
        try password.map { password throws -> String in
            if let error = PasswordRules.check(password) { throw UserDirectory.Failure.invalid(error) }
            return context.dependencies.web.signIn.hasher.hash(password)
        }
    }

    /// The update in the caller's transaction; a new password (its hash) ends the user's web
    /// sessions, as GitLab's password change does.
    static func update(_ id: UserID, _ changes: UserDirectory.Changes, passwordHash: String?, in state: inout StoreState) throws -> User {
        var user = try UserDirectory.update(id, changes, in: &state)
        if let passwordHash { user = try UserDirectory.setPassword(hash: passwordHash, for: id, in: &state) }
        return user
    }

    /// Admins only (after Grape's parameter checks, as in GitLab). Parameters tokend does not
    /// model (`skip_reconfirmation`, `reset_password`, `force_random_password`, …) are accepted
    /// and ignored, as GitLab accepts them.
    @Sendable static func update(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        var changes = readAttributes(&reader)
        try reader.check()
        try context.requireAdmin()
        let passwordHash = try hashed(changes.password, context)
        changes.password = nil
        let user = try context.write { state throws -> User in
            let target = try target(context, in: state)
            if passwordHash != nil, target.isBotUserType { throw HTTPError.notFound("User") }
            return try update(target.id, changes, passwordHash: passwordHash, in: &state)
        }
        var w = JSONWriter()
        UserEntity.write(user, .admin, webBase: context.webBase, into: &w)
        return .json(.ok, w)
    }

    @Sendable static func delete(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let now = context.now
        try context.write { state in try UserDirectory.delete(try target(context, in: state).id, at: now, in: &state) }
        return .noContent
    }

    @Sendable static func block(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let me = context.user.id
        let blocked = try context.write { state throws -> Bool in
            let user = try target(context, in: state)
            if user.id == me { throw HTTPError.forbidden("The API initiating user cannot be blocked by the API") }
            if user.state == .blocked { return false }
            _ = try UserDirectory.setBlocked(true, user.id, in: &state)
            return true
        }
        // GitLab returns early for a user already blocked: its endpoint's value is nil.
        return .text(.created, blocked ? "true" : "null", contentType: "application/json")
    }

    @Sendable static func unblock(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let unblocked = try context.write { state throws -> Bool in
            let user = try target(context, in: state)
            if user.state != .blocked { return false }
            _ = try UserDirectory.setBlocked(false, user.id, in: &state)
            return true
        }
        // GitLab's UnblockService fails for a user who is not blocked: the body is `false`.
        return .text(.created, unblocked ? "true" : "false", contentType: "application/json")
    }
}
