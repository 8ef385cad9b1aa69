import JSON
import TokenCore

/// `/personal_access_tokens`: the caller's own token (`self`) and tokens by id.
enum PersonalAccessTokenEndpoints {
    static let routes: [Route] = [
        Route("GET", "personal_access_tokens/self", scopes: .anyScope, showSelf),
        Route("DELETE", "personal_access_tokens/self", scopes: .anyScope, revokeSelf),
    ]

    @Sendable static func showSelf(_ context: inout RequestContext) throws -> APIResponse {
        TokenEntity.response(200, context.token, [.lastUsedIPs], now: context.now)
    }

    /// Revokes the authenticating token. A non-admin may not revoke their impersonation token.
    @Sendable static func revokeSelf(_ context: inout RequestContext) throws -> APIResponse {
        let token = context.token
        if token.impersonation && !context.isAdmin { throw HTTPError.badRequest("Not permitted to revoke") }
        let issuer = context.issuer
        try context.repository.write { state in try issuer.revoke(token.id, in: &state) }
        return .noContent()
    }
}
