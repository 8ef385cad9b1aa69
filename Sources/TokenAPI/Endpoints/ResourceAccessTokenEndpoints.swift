import HTTPTypes
import JSON
import TokenCore

/// `/projects/:id/access_tokens` and `/groups/:id/access_tokens`: tokens of the resource's own
/// bot users (GitLab's ResourceAccessTokens API, 18.x behaviour). Service refusals read as
/// `400 Bad request - <sentence>`.
enum ResourceAccessTokenEndpoints {
    static let routes: [Route] = ResourceKind.allCases.flatMap { kind in
        let base = kind.pathSegment + "/:id/access_tokens"
        return [
            Route(.get, base) { try list($0, kind) },
            Route(.post, base, errors: .serviceMessage) { try create($0, kind) },
            Route(.get, base + "/:token_id") { try show($0, kind) },
            Route(.post, base + "/self/rotate", scopes: .selfRotation, errors: .serviceMessage, reuseDetection: .always) {
                try rotateSelf($0, kind)
            },
            Route(.post, base + "/:token_id/rotate", errors: .serviceMessage, reuseDetection: .whenNumeric("token_id")) {
                try rotate($0, kind)
            },
            Route(.delete, base + "/:token_id", errors: .serviceMessage) { try revoke($0, kind) },
        ]
    }

    /// `ResourceAccessToken`: the token with `last_used_ips`, plus the bot's access level and
    /// the resource it belongs to.
    static func write(
        _ token: AccessToken, level: AccessLevel?, resource: Resource, plaintext: String? = nil, now: Timestamp, into w: inout JSONWriter
    ) {
        TokenEntity.write(token, [.lastUsedIPs], plaintext: plaintext, now: now, extra: { w in
            w.field("access_level", level?.rawValue)
            w.field("resource_type", resource.kind)
            w.field("resource_id", resource.rawID)
        }, into: &w)
    }

    static func response(_ status: HTTPResponse.Status, _ issued: IssuedToken, level: AccessLevel?, resource: Resource, now: Timestamp) -> APIResponse {
        var w = JSONWriter()
        write(issued.token, level: level, resource: resource, plaintext: issued.plaintext, now: now, into: &w)
        return .json(status, w)
    }

    /// The `:token_id` token, if it belongs to one of the resource's own bots. Anything but a
    /// number names no token, so it is answered like a missing one (GitLab: `GET
    /// …/access_tokens/self` is a 404, there is no such route).
    static func ownToken(_ context: AuthenticatedContext, of resource: Resource, in state: borrowing StoreState) throws(HTTPError) -> AccessToken? {
        guard let id = try context.path.integer("token_id"), let token = state.token(TokenID(id)),
            ResourceTokenService.belongs(token, to: resource, state: state)
        else { return nil }
        return token
    }

    /// 18.x: `404 project Access Token Not Found`.
    static func tokenNotFound(_ resource: Resource) -> HTTPError {
        .notFound("\(resource.kind) Access Token")
    }

    static func service(_ context: AuthenticatedContext) -> ResourceTokenService {
        ResourceTokenService(issuer: context.issuer, random: context.dependencies.random, host: context.host)
    }

    // MARK: Read

    @Sendable static func list(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let query = TokenQuery.read(from: &reader)
        let pagination = Pagination(&reader)
        try reader.check()
        let (caller, now) = (context.signedInCaller, context.now)
        let (resource, tokens, levels) = try context.read { state throws -> (Resource, [AccessToken], [UserID: AccessLevel]) in
            let resource = try context.visibleResource(kind, in: state)
            guard AccessPolicy.canAdminister(resource, by: caller, state: state, now: now) else { throw HTTPError.unauthorized }
            var levels: [UserID: AccessLevel] = [:]
            for member in state.resources.members(of: resource) { levels[member.userID] = member.accessLevel }
            return (resource, ResourceTokenService.tokens(of: resource, state: state), levels)
        }
        return pagination.response(query.apply(to: tokens, now: now), context: context) { token, w in
            write(token, level: levels[token.userID], resource: resource, now: now, into: &w)
        }
    }

    @Sendable static func show(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let (caller, now) = (context.signedInCaller, context.now)
        return try context.read { state throws -> APIResponse in
            let resource = try context.visibleResource(kind, in: state)
            guard AccessPolicy.canAdminister(resource, by: caller, state: state, now: now) else { throw HTTPError.unauthorized }
            guard let token = try ownToken(context, of: resource, in: state) else { throw tokenNotFound(resource) }
            var w = JSONWriter()
            write(token, level: ResourceTokenService.accessLevel(of: token, in: resource, state: state), resource: resource, now: now, into: &w)
            return .json(.ok, w)
        }
    }

    // MARK: Create

    /// Parameters first (Grape), then the resource, then the service's checks in GitLab's order.
    @Sendable static func create(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let name = reader.string("name", required: true)
        let scopes = reader.scopes("scopes", required: true, allowed: Set(Scope.resourceBot))
        let description = reader.string("description")
        let expiresAt = reader.date("expires_at")
        let level = reader.accessLevel("access_level", allowed: AccessLevel.memberLevels) ?? .maintainer
        try reader.check()
        let (service, caller) = (service(context), context.signedInCaller)
        let request = TokenRequest(
            name: name ?? "", description: description, scopes: scopes ?? [], expiresAt: expiresAt ?? context.issuer.defaultExpiry)
        let (resource, issued) = try context.write { state throws -> (Resource, IssuedToken) in
            let resource = try context.visibleResource(kind, in: state)
            return (resource, try service.create(request, accessLevel: level, in: resource, by: caller, state: &state))
        }
        return response(.created, issued, level: level, resource: resource, now: context.now)
    }

    // MARK: Rotate

    /// One transaction: the resource, the caller's right to manage its tokens, the token among
    /// its own bots', the access-level rule, the rotation. Another resource's token is a 404 for
    /// admins and a 401 for others, as GitLab answers.
    @Sendable static func rotate(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let (service, caller, now) = (service(context), context.signedInCaller, context.now)
        let (resource, level, issued) = try context.write { state throws -> (Resource, AccessLevel?, IssuedToken) in
            let resource = try context.visibleResource(kind, in: state)
            guard AccessPolicy.canManageTokens(resource, by: caller, state: state, now: now),
                let token = try ownToken(context, of: resource, in: state)
            else { throw caller.isAdmin ? HTTPError.notFound : HTTPError.unauthorized }
            let level = ResourceTokenService.accessLevel(of: token, in: resource, state: state)
            return (resource, level, try service.rotate(token, in: resource, by: caller, expiresAt: expiresAt, state: &state))
        }
        return response(.ok, issued, level: level, resource: resource, now: context.now)
    }

    /// A bot rotating its own token: only a bot's token of this resource may (a human's → 405).
    @Sendable static func rotateSelf(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        guard context.user.isBot, context.token.userID == context.user.id else {
            throw HTTPError.message(.methodNotAllowed, "405 Method Not Allowed")
        }
        let (service, caller, token) = (service(context), context.signedInCaller, context.token)
        let (resource, level, issued) = try context.write { state throws -> (Resource, AccessLevel?, IssuedToken) in
            let resource = try context.visibleResource(kind, in: state)
            guard ResourceTokenService.belongs(token, to: resource, state: state) else { throw HTTPError.unauthorized }
            let level = ResourceTokenService.accessLevel(of: token, in: resource, state: state)
            return (resource, level, try service.rotate(token, in: resource, by: caller, expiresAt: expiresAt, state: &state))
        }
        return response(.ok, issued, level: level, resource: resource, now: context.now)
    }

    // MARK: Revoke

    /// Resource, then token (404s), then permission (400 "<caller> cannot delete <bot>").
    @Sendable static func revoke(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let (service, caller) = (service(context), context.signedInCaller)
        try context.write { state throws in
            let resource = try context.visibleResource(kind, in: state)
            guard let token = try ownToken(context, of: resource, in: state) else { throw tokenNotFound(resource) }
            try service.revoke(token, in: resource, by: caller, state: &state)
        }
        return .noContent
    }
}
