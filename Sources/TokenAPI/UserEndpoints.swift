import JSON
import TokenCore

/// The Users API: the current user.
enum UserEndpoints {
    static let routes: [Route] = [
        Route("GET", "user", scopes: .users, currentUser)
    ]

    @Sendable static func currentUser(_ context: inout RequestContext) throws -> APIResponse {
        var w = JSONWriter()
        UserEntity.write(context.user, webBase: context.webBase, detailed: true, admin: context.isAdmin, into: &w)
        return .json(200, w)
    }
}
