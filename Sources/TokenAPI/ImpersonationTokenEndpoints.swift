import JSON
import TokenCore

/// `/users/:user_id/impersonation_tokens` (administrators only): tokens that act as a user.
enum ImpersonationTokenEndpoints {
    static let routes: [Route] = [
        Route("GET", "users/:user_id/impersonation_tokens", scopes: .users, list),
        Route("POST", "users/:user_id/impersonation_tokens", scopes: .users, create),
        Route("GET", "users/:user_id/impersonation_tokens/:impersonation_token_id", scopes: .users, show),
        Route("DELETE", "users/:user_id/impersonation_tokens/:impersonation_token_id", scopes: .users, revoke),
    ]

    static let variant: TokenEntity.Variant = [.lastUsedIPs, .impersonation]

    /// The user of the path, after the admin check: 404 "404 User Not Found" otherwise.
    static func user(_ context: RequestContext) throws -> User {
        let reference = context.pathParameter("user_id")
        let user = try context.repository.read { state in Int(reference).flatMap { state.user(UserID($0)) } }
        guard let user else { throw HTTPError.notFound("User") }
        return user
    }

    /// This user's impersonation token of the path, else 404 "404 Impersonation Token Not Found".
    static func token(_ context: RequestContext, of user: User) throws -> AccessToken {
        let id = Int(context.pathParameter("impersonation_token_id"))
        let token = try context.repository.read { state in id.flatMap { state.token(TokenID($0)) } }
        guard let token, token.userID == user.id, token.impersonation else { throw HTTPError.notFound("Impersonation Token") }
        return token
    }

    @Sendable static func list(_ context: inout RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let state = reader.oneOf("state", ["all", "active", "inactive"]) ?? "all"
        let pagination = Pagination(&reader)
        try reader.check()
        let user = try user(context)
        let now = context.now
        let tokens = try context.repository.read { $0.tokens(ownedBy: user.id) }.filter { token in
            guard token.impersonation else { return false }
            switch state {
            case "active": return token.isActive(at: now)
            case "inactive": return !token.isActive(at: now)
            default: return true
            }
        }
        return pagination.response(tokens, context: context) { token, w in TokenEntity.write(token, variant, now: now, into: &w) }
    }

    @Sendable static func show(_ context: inout RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        let token = try token(context, of: try user(context))
        return TokenEntity.response(200, token, variant, now: context.now)
    }

    /// No default expiry: GitLab's model rejects a missing `expires_at` while expiry is required.
    @Sendable static func create(_ context: inout RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let name = reader.string("name", required: true)
        let description = reader.string("description")
        let expiresAt = reader.date("expires_at")
        let scopes = reader.stringArray("scopes", commaSeparated: true)
        try reader.check()
        let owner = try user(context)
        let issuer = context.issuer
        let request = TokenRequest(
            name: name ?? "", description: description, scopes: scopes ?? [], expiresAt: expiresAt, impersonation: true)
        do {
            let issued = try context.repository.write { state in try issuer.create(request, for: owner, in: &state) }
            return TokenEntity.response(201, issued.token, variant, plaintext: issued.plaintext, now: context.now)
        } catch TokenError.invalid(let errors) {
            throw HTTPError.validation(errors)
        } catch TokenError.exceedsLimit(let error) {
            throw HTTPError.validation([error])
        }
    }

    /// Revokes and keeps the record; `If-Unmodified-Since` older than the token's last change → 412.
    @Sendable static func revoke(_ context: inout RequestContext) throws -> APIResponse {
        try context.requireAdmin()
        let token = try token(context, of: try user(context))
        if let header = context.request.headers["if-unmodified-since"], let since = HTTPDate.parse(header),
            token.updatedAt.millisecondsSinceEpoch / 1000 > since.millisecondsSinceEpoch / 1000
        {
            throw HTTPError.message(412, "412 Precondition Failed")
        }
        let issuer = context.issuer
        try context.repository.write { state in try issuer.revoke(token.id, in: &state) }
        return .noContent()
    }
}
