import HTTPTypes
import JSON
import TokenCore

/// Creating personal access tokens through the Users API: an administrator for any user, and
/// a user for themself (`k8s_proxy` only). Model errors read as GitLab's 422 sentences.
enum UserTokenEndpoints {
    static let routes: [Route] = [
        Route(.post, "users/:user_id/personal_access_tokens", scopes: .users, errors: .sentences, createForUser),
        Route(.post, "user/personal_access_tokens", scopes: .users, errors: .sentences, createForSelf),
    ]

    /// `POST /users/:user_id/personal_access_tokens` (admin): 403, then 400, then 404, then 422.
    @Sendable static func createForUser(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let name = reader.string("name", required: true)
        let scopes = reader.scopes("scopes", required: true, allowed: Scope.allSet)
        let description = reader.string("description")
        let expiresAt = reader.date("expires_at")
        try reader.check()
        guard let userID = try context.path.integer("user_id") else { throw HTTPError.notFound("User") }
        let request = TokenRequest(
            name: name ?? "", description: description, scopes: scopes ?? [],
            expiresAt: reader.has("expires_at") ? expiresAt : context.issuer.defaultExpiry)
        return try create(request, for: UserID(userID), context: context)
    }

    /// `POST /user/personal_access_tokens`: the caller's own token, `k8s_proxy` only, expiring
    /// tomorrow unless told otherwise.
    @Sendable static func createForSelf(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let name = reader.string("name", required: true)
        let scopes = reader.scopes("scopes", required: true, allowed: [.k8sProxy])
        let description = reader.string("description")
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let request = TokenRequest(
            name: name ?? "", description: description, scopes: scopes ?? [],
            expiresAt: reader.has("expires_at") ? expiresAt : context.issuer.today.adding(days: 1))
        return try create(request, for: context.user.id, context: context)
    }

    static func create(_ request: TokenRequest, for userID: UserID, context: AuthenticatedContext) throws -> APIResponse {
        let issuer = context.issuer
        let issued = try context.write { state throws -> IssuedToken in
            guard let owner = state.user(userID) else { throw HTTPError.notFound("User") }
            return try issuer.create(request, for: owner, in: &state)
        }
        return TokenEntity.response(.created, issued.token, [], plaintext: issued.plaintext, now: context.now)
    }
}
