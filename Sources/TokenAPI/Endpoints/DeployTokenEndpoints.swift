import HTTPTypes
import JSON
import TokenCore

/// GitLab's deploy tokens API (`lib/api/deploy_tokens.rb`): every token of the instance for
/// administrators, and a project's or group's own. A project's Maintainers and Owners read,
/// create and delete its tokens; a group's Maintainers read and its Owners create and delete.
/// Grape checks the parameters first, then the project or group is found (404 when the caller
/// cannot see it) and the right checked (403). The token's value is in the creation's answer
/// only; the store keeps its keyed digest. DELETE destroys the record, as GitLab's API does.
enum DeployTokenEndpoints {
    static let routes: [Route] = [Route(.get, "deploy_tokens", listAll)] + ResourceKind.allCases.flatMap { kind in
        let base = kind.pathSegment + "/:id/deploy_tokens"
        return [
            Route(.get, base) { try list($0, kind) },
            Route(.post, base) { try create($0, kind) },
            Route(.get, base + "/:token_id") { try show($0, kind) },
            Route(.delete, base + "/:token_id") { try delete($0, kind) },
        ]
    }

    /// The `active` filter (`DeployTokens::TokensFinder`): only tokens neither revoked nor past
    /// their expiry (`expires_at >= NOW()`); false or absent lists every token.
    static func activeFilter(_ reader: inout ParameterReader) -> Bool { reader.boolean("active") ?? false }

    static func filtered(_ tokens: [DeployToken], active: Bool, now: Timestamp) -> [DeployToken] {
        guard active else { return tokens }
        return tokens.filter { !$0.revoked && ($0.expiresAt.map { $0 >= now } ?? true) }
    }

    /// `GET /deploy_tokens`: administrators only (403 for everyone else).
    @Sendable static func listAll(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let active = activeFilter(&reader)
        let pagination = Pagination(&reader)
        try reader.check()
        try context.requireAdmin()
        let tokens = try context.read { state in state.deployTokens.all() }
        let now = context.now
        return pagination.response(filtered(tokens, active: active, now: now), context: context) { token, w in
            DeployTokenEntity.write(token, now: now, into: &w)
        }
    }

    /// The project or group of the path, if the caller may `right` its deploy tokens: 404 when
    /// they cannot see it, 403 when they can but may not.
    static func authorized(
        _ context: AuthenticatedContext, _ kind: ResourceKind, manage: Bool, in state: borrowing StoreState
    ) throws(HTTPError) -> Resource {
        let resource = try context.visibleResource(kind, in: state)
        let (caller, now) = (context.signedInCaller, context.now)
        let allowed =
            manage
            ? DeployTokenService.canManage(resource, by: caller, state: state, now: now)
            : DeployTokenService.canRead(resource, by: caller, state: state, now: now)
        guard allowed else { throw HTTPError.forbidden }
        return resource
    }

    /// The resource's token of the path: Grape's 400 for a `token_id` that is not an integer,
    /// ActiveRecord's `404 Not found` for one the resource does not have.
    static func findToken(_ context: AuthenticatedContext, of resource: Resource, in state: borrowing StoreState) throws(HTTPError) -> DeployToken {
        guard let token = state.deployTokens.token(DeployTokenID(try tokenID(context))), token.resource == resource else {
            throw HTTPError.recordNotFound
        }
        return token
    }

    static func tokenID(_ context: AuthenticatedContext) throws(HTTPError) -> Int {
        guard let id = try context.path.integer("token_id") else { throw HTTPError.error(.badRequest, "token_id is invalid") }
        return id
    }

    @Sendable static func list(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let active = activeFilter(&reader)
        let pagination = Pagination(&reader)
        try reader.check()
        let tokens = try context.read { state throws(HTTPError) -> [DeployToken] in
            state.deployTokens.tokens(of: try authorized(context, kind, manage: false, in: state))
        }
        let now = context.now
        return pagination.response(filtered(tokens, active: active, now: now), context: context) { token, w in
            DeployTokenEntity.write(token, now: now, into: &w)
        }
    }

    @Sendable static func show(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        _ = try tokenID(context)
        let token = try context.read { state throws(HTTPError) -> DeployToken in
            try findToken(context, of: try authorized(context, kind, manage: false, in: state), in: state)
        }
        return DeployTokenEntity.response(.ok, token, now: context.now)
    }

    /// The creation's parameters, as Grape declares them: `name` and `scopes` required, the
    /// scopes a list or `a,b`, each one of GitLab's deploy token scopes; `expires_at` a date or
    /// date-time (empty: never); `username` optional.
    static func draft(_ context: AuthenticatedContext) throws(HTTPError) -> DeployTokenService.Draft {
        var reader = context.reader()
        let name = reader.string("name", required: true, maxLength: FieldLimits.tokenName)
        let scopes = reader.scopes("scopes", required: true, allowed: Set(DeployToken.availableScopes))
        let expiresAt = reader.string("expires_at").map(\.trimmingSpaces).flatMap { $0.isEmpty ? nil : $0 }
        let username = reader.string("username", maxLength: FieldLimits.tokenName)
        try reader.check()
        var expiry: Timestamp?
        if let expiresAt {
            guard let instant = Timestamp(iso8601: expiresAt) else { throw HTTPError.error(.badRequest, "expires_at is invalid") }
            expiry = instant
        }
        return DeployTokenService.Draft(name: name ?? "", username: username, scopes: scopes ?? [], expiresAt: expiry)
    }

    @Sendable static func create(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let draft = try draft(context)
        let generator = TokenGenerator(prefix: DeployToken.prefix, random: context.dependencies.random)
        let (secret, creator, now) = (context.dependencies.secret, context.user.id, context.now)
        let created = try context.write { state throws -> (token: DeployToken, plaintext: String) in
            let resource = try authorized(context, kind, manage: true, in: state)
            return try DeployTokenService.create(draft, for: resource, by: creator, at: now, generator: generator, secret: secret, in: &state)
        }
        return DeployTokenEntity.response(.created, created.token, plaintext: created.plaintext, now: now)
    }

    @Sendable static func delete(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        _ = try tokenID(context)
        try context.write { state throws in
            let token = try findToken(context, of: try authorized(context, kind, manage: true, in: state), in: state)
            state.deleteDeployToken(token.id)
        }
        return .noContent
    }
}
