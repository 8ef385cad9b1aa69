import HTTPTypes
import JSON
import TokenCore

/// `/users/:user_id/impersonation_tokens` (administrators only): tokens that act as a user.
enum ImpersonationTokenEndpoints {
    static let routes: [Route] = [
        Route(.get, "users/:user_id/impersonation_tokens", scopes: .users, list),
        Route(.post, "users/:user_id/impersonation_tokens", scopes: .users, create),
        Route(.get, "users/:user_id/impersonation_tokens/:impersonation_token_id", scopes: .users, show),
        Route(.delete, "users/:user_id/impersonation_tokens/:impersonation_token_id", scopes: .users, revoke),
    ]

    static let variant: TokenEntity.Variant = [.lastUsedIPs, .impersonation]

    /// The user of the path, after the admin check: 404 "404 User Not Found" otherwise.
    static func user(_ context: AuthenticatedContext, in state: borrowing StoreState) throws -> User {
        guard let id = try context.path.integer("user_id"), let user = state.user(UserID(id)) else { throw HTTPError.notFound("User") }
        return user
    }

    /// The path's user's impersonation token of the path, else 404 "404 Impersonation Token Not Found".
    static func impersonationToken(_ context: AuthenticatedContext, in state: borrowing StoreState) throws -> AccessToken {
        let user = try user(context, in: state)
        guard let id = try context.path.integer("impersonation_token_id"), let token = state.token(TokenID(id)),
            token.userID == user.id, token.impersonation
        else { throw HTTPError.notFound("Impersonation Token") }
        return token
    }

    @Sendable static func list(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let state = reader.oneOf("state", ["all", "active", "inactive"]) ?? "all"
        let pagination = Pagination(&reader)
        try reader.check()
        let now = context.now
        let tokens = try context.read { store throws -> [AccessToken] in store.tokens(ownedBy: try user(context, in: store).id) }.filter { token in
            guard token.impersonation else { return false }
            switch state {
            case "active": return token.isActive(at: now)
            case "inactive": return !token.isActive(at: now)
            default: return true
            }
        }
        return pagination.response(tokens, context: context) { token, w in TokenEntity.write(token, variant, now: now, into: &w) }
    }

    @Sendable static func show(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let token = try context.read { state in try impersonationToken(context, in: state) }
        return TokenEntity.response(.ok, token, variant, now: context.now)
    }

    /// No default expiry: GitLab's model rejects a missing `expires_at` while expiry is required.
    @Sendable static func create(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let name = reader.string("name", required: true)
        let description = reader.string("description")
        let expiresAt = reader.date("expires_at")
        let scopes = reader.stringArray("scopes", commaSeparated: true)?.map(Scope.init(rawValue:))
        try reader.check()
        let issuer = context.issuer
        let request = TokenRequest(
            name: name ?? "", description: description, scopes: scopes ?? [], expiresAt: expiresAt, impersonation: true)
        let issued = try context.write { state in try issuer.create(request, for: try user(context, in: state), in: &state) }
        return TokenEntity.response(.created, issued.token, variant, plaintext: issued.plaintext, now: context.now)
    }

    /// Revokes and keeps the record; `If-Unmodified-Since` older than the token's last change → 412.
    @Sendable static func revoke(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let issuer = context.issuer
        let since = context.request.headers[.ifUnmodifiedSince].flatMap(HTTPDate.parse)
        try context.write { state in
            let token = try impersonationToken(context, in: state)
            if let since, token.updatedAt.millisecondsSinceEpoch / 1000 > since.millisecondsSinceEpoch / 1000 {
                throw HTTPError.message(.preconditionFailed, "412 Precondition Failed")
            }
            try issuer.revoke(token.id, in: &state)
        }
        return .noContent
    }
}
