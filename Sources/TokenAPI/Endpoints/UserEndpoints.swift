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
        Route(.delete, "users/:id", scopes: .users, delete),
        Route(.post, "users/:id/block", scopes: .users, block),
        Route(.post, "users/:id/unblock", scopes: .users, unblock),
    ]

    @Sendable static func currentUser(_ context: RequestContext) throws -> APIResponse {
        var w = JSONWriter()
        UserEntity.write(context.user, context.isAdmin ? .admin : .own, webBase: context.webBase, into: &w)
        return .json(.ok, w)
    }

    /// Admins see every user (`UserWithAdmin`); others the active ones, as `UserBasic` (no
    /// e-mail addresses). `username=` matches case-insensitively.
    @Sendable static func list(_ context: RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let username = reader.string("username", maxLength: RequestLimits.searchTerm)?.lowercased()
        let pagination = Pagination(&reader)
        try reader.check()
        let isAdmin = context.isAdmin
        let users = try context.read { $0.allUsers() }.filter { user in
            (isAdmin || user.state == .active) && (username.map { user.username.lowercased() == $0 } ?? true)
        }
        let base = context.webBase
        return pagination.response(users, context: context) { user, w in
            UserEntity.write(user, isAdmin ? .admin : .basic, webBase: base, into: &w)
        }
    }

    /// The user of the `:id` segment, else 404 "404 User Not Found".
    static func target(_ context: RequestContext, in state: borrowing StoreState) throws -> User {
        guard let id = try context.path.integer("id"), let user = state.user(UserID(id)) else { throw HTTPError.notFound("User") }
        return user
    }

    @Sendable static func show(_ context: RequestContext) throws -> APIResponse {
        let user = try context.read { state in try target(context, in: state) }
        var w = JSONWriter()
        UserEntity.write(user, context.isAdmin ? .admin : .profile, webBase: context.webBase, into: &w)
        return .json(.ok, w)
    }

    @Sendable static func create(_ context: RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let email = reader.string("email", required: true)
        let name = reader.string("name", required: true)
        let username = reader.string("username", required: true)
        let admin = reader.boolean("admin") ?? false
        try reader.check()
        let new = UserDirectory.NewUser(username: username ?? "", name: name ?? "", email: email ?? "", isAdmin: admin)
        let now = context.now
        let user = try context.write { state in try UserDirectory.create(new, at: now, in: &state) }
        var w = JSONWriter()
        UserEntity.write(user, .admin, webBase: context.webBase, into: &w)
        return .json(.created, w)
    }

    @Sendable static func delete(_ context: RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        let now = context.now
        try context.write { state in try UserDirectory.delete(try target(context, in: state).id, at: now, in: &state) }
        return .noContent
    }

    @Sendable static func block(_ context: RequestContext) throws -> APIResponse { try setBlocked(true, context) }
    @Sendable static func unblock(_ context: RequestContext) throws -> APIResponse { try setBlocked(false, context) }

    /// GitLab answers block and unblock with 201 and the body `true`.
    static func setBlocked(_ blocked: Bool, _ context: RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        try context.write { state in _ = try UserDirectory.setBlocked(blocked, try target(context, in: state).id, in: &state) }
        return .text(.created, "true", contentType: "application/json")
    }
}
