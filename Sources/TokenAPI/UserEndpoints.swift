import JSON
import TokenCore

/// The Users API: the current user, users by id or username, and their administration.
enum UserEndpoints {
    static let routes: [Route] = [
        Route("GET", "user", scopes: .users, currentUser),
        Route("GET", "users", scopes: .users, list),
        Route("POST", "users", scopes: .users, create),
        Route("GET", "users/:id", scopes: .users, show),
        Route("DELETE", "users/:id", scopes: .users, delete),
        Route("POST", "users/:id/block", scopes: .users, block),
        Route("POST", "users/:id/unblock", scopes: .users, unblock),
    ]

    @Sendable static func currentUser(_ context: inout RequestContext) throws -> APIResponse {
        var w = JSONWriter()
        UserEntity.write(context.user, context.isAdmin ? .admin : .own, webBase: context.webBase, into: &w)
        return .json(200, w)
    }

    /// Admins see every user (`UserWithAdmin`); others the active ones, as `UserBasic` (no
    /// e-mail addresses). `username=` matches case-insensitively.
    @Sendable static func list(_ context: inout RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let username = reader.string("username", maxLength: RequestLimits.searchTerm)
        let pagination = Pagination(&reader)
        try reader.check()
        let isAdmin = context.isAdmin
        let users = try context.repository.read { $0.allUsers() }.filter { user in
            (isAdmin || user.state == .active) && (username.map { user.username.lowercased() == $0.lowercased() } ?? true)
        }
        let base = context.webBase
        return pagination.response(users, context: context) { user, w in
            UserEntity.write(user, isAdmin ? .admin : .basic, webBase: base, into: &w)
        }
    }

    static func target(_ context: RequestContext) throws -> User {
        let id = Int(context.pathParameter("id"))
        let user = try context.repository.read { state in id.flatMap { state.user(UserID($0)) } }
        guard let user else { throw HTTPError.notFound("User") }
        return user
    }

    @Sendable static func show(_ context: inout RequestContext) throws -> APIResponse {
        let user = try target(context)
        var w = JSONWriter()
        UserEntity.write(user, context.isAdmin ? .admin : .profile, webBase: context.webBase, into: &w)
        return .json(200, w)
    }

    @Sendable static func create(_ context: inout RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let email = reader.string("email", required: true)
        let name = reader.string("name", required: true)
        let username = reader.string("username", required: true)
        let admin = reader.boolean("admin") ?? false
        try reader.check()
        let new = UserDirectory.NewUser(username: username ?? "", name: name ?? "", email: email ?? "", isAdmin: admin)
        let now = context.now
        let user = try context.repository.write { state throws -> User in
            do throws(UserDirectory.Failure) {
                return try UserDirectory.create(new, at: now, in: &state)
            } catch {
                throw error.httpError
            }
        }
        var w = JSONWriter()
        UserEntity.write(user, .admin, webBase: context.webBase, into: &w)
        return .json(201, w)
    }

    @Sendable static func delete(_ context: inout RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        let user = try target(context)
        let now = context.now
        try context.repository.write { state throws in
            do throws(UserDirectory.Failure) { try UserDirectory.delete(user.id, at: now, in: &state) } catch { throw error.httpError }
        }
        return .noContent()
    }

    @Sendable static func block(_ context: inout RequestContext) throws -> APIResponse { try setBlocked(true, context) }
    @Sendable static func unblock(_ context: inout RequestContext) throws -> APIResponse { try setBlocked(false, context) }

    /// GitLab answers block and unblock with 201 and the body `true`.
    static func setBlocked(_ blocked: Bool, _ context: RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        let user = try target(context)
        try context.repository.write { state throws in
            do throws(UserDirectory.Failure) { _ = try UserDirectory.setBlocked(blocked, user.id, in: &state) } catch { throw error.httpError }
        }
        return APIResponse(status: 201, headers: [("Content-Type", "application/json")], body: Array("true".utf8))
    }
}

extension UserDirectory.Failure {
    var httpError: HTTPError {
        switch self {
        case .invalid(let error): return .validation([(error.field, [error.message])])
        case .taken(let attribute): return .message(409, "\(attribute) has already been taken")
        case .notFound: return .notFound("User")
        }
    }
}
