import HTTPTypes
import JSON
import TokenCore

/// `/groups/:id/service_accounts/:user_id/personal_access_tokens` (and the project's): the
/// personal access tokens of a service account that the group (project) provisioned, for the
/// Owners (Maintainers) who manage it. They are personal access tokens in every rule: the
/// issuer's validations, expiry (none needed when the instance lets service accounts' tokens go
/// without), rotation with reuse detection, audit events.
enum ServiceAccountTokenEndpoints {
    static let routes: [Route] = ResourceKind.allCases.flatMap { kind in
        let base = kind.pathSegment + "/:id/service_accounts/:user_id/personal_access_tokens"
        return [
            Route(.get, base) { try list($0, kind) },
            Route(.post, base, errors: .sentences) { try create($0, kind) },
            Route(.delete, base + "/:token_id", errors: .serviceMessage) { try revoke($0, kind) },
            Route(.post, base + "/:token_id/rotate", errors: .serviceMessage, reuseDetection: .whenNumeric("token_id")) {
                try rotate($0, kind)
            },
        ]
    }

    /// The managing caller's service account of the path (404/403 as ``ServiceAccountEndpoints``).
    static func account(_ context: AuthenticatedContext, _ kind: ResourceKind, in state: borrowing StoreState) throws(HTTPError) -> User {
        let resource = try ServiceAccountEndpoints.managedResource(context, kind, in: state)
        return try ServiceAccountEndpoints.managedAccount(context, of: resource, in: state)
    }

    /// The account's tokens with GitLab's finder parameters, newest first unless `sort` says.
    static func list(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let query = TokenQuery.read(from: &reader)
        let pagination = Pagination(&reader)
        try reader.check()
        let now = context.now
        let tokens = try context.read { state throws -> [AccessToken] in
            state.tokens(ownedBy: try account(context, kind, in: state).id)
        }
        return pagination.response(query.apply(to: tokens, now: now), context: context) { token, w in
            TokenEntity.write(token, [.lastUsedIPs], now: now, into: &w)
        }
    }

    /// `PersonalAccessTokens::CreateService` for the account: model errors are GitLab's 422
    /// sentences. Without `expires_at` the token gets the instance's default lifetime, or none
    /// when service accounts' tokens need no expiry.
    static func create(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let name = reader.string("name", required: true)
        let scopes = reader.scopes("scopes", required: true, allowed: Scope.allSet)
        let description = reader.string("description")
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let (issuer, given) = (context.issuer, reader.has("expires_at"))
        let issued = try context.write { state throws -> IssuedToken in
            let owner = try account(context, kind, in: state)
            let request = TokenRequest(
                name: name ?? "", description: description, scopes: scopes ?? [],
                expiresAt: given ? expiresAt : issuer.defaultExpiry(for: owner))
            return try issuer.create(request, for: owner, in: &state)
        }
        return TokenEntity.response(.created, issued.token, [], plaintext: issued.plaintext, now: context.now)
    }

    /// A token of another user is `404 Personal Access Token Not Found`.
    static func revoke(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let issuer = context.issuer
        try context.write { state throws in
            let owner = try account(context, kind, in: state)
            guard let id = try context.path.integer("token_id"), let token = state.token(TokenID(id)), token.userID == owner.id else {
                throw HTTPError.notFound("Personal Access Token")
            }
            try issuer.revoke(token.id, in: &state)
        }
        return .noContent
    }

    /// One transaction: the account, the token among its own (else `404 Not Found`), the rotation.
    static func rotate(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let issuer = context.issuer
        let issued = try context.write { state throws -> IssuedToken in
            let owner = try account(context, kind, in: state)
            guard let id = try context.path.integer("token_id"), let token = state.token(TokenID(id)), token.userID == owner.id else {
                throw HTTPError.notFound
            }
            return try issuer.rotate(token.id, expiresAt: expiresAt, in: &state)
        }
        return TokenEntity.response(.ok, issued.token, [], plaintext: issued.plaintext, now: context.now)
    }
}
