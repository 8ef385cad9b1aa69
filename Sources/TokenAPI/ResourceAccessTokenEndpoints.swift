import JSON
import TokenCore

/// `/projects/:id/access_tokens` and `/groups/:id/access_tokens`: tokens of bot users that are
/// members of the project or group (GitLab's ResourceAccessTokens API, 18.x behaviour).
enum ResourceAccessTokenEndpoints {
    static let routes: [Route] = ["projects", "groups"].flatMap { kind in
        [
            Route("GET", "\(kind)/:id/access_tokens", list),
            Route("POST", "\(kind)/:id/access_tokens", create),
            Route("GET", "\(kind)/:id/access_tokens/:token_id", show),
            Route("POST", "\(kind)/:id/access_tokens/self/rotate", scopes: PersonalAccessTokenEndpoints.selfRotationScopes, rotateSelf),
            Route("POST", "\(kind)/:id/access_tokens/:token_id/rotate", rotate),
            Route("DELETE", "\(kind)/:id/access_tokens/:token_id", revoke),
        ]
    }

    /// `ResourceAccessToken`: the token with `last_used_ips`, plus the bot's access level and
    /// the resource it belongs to.
    static func write(
        _ token: AccessToken, level: Int?, resource: Resource, plaintext: String? = nil, now: Timestamp, into w: inout JSONWriter
    ) {
        TokenEntity.write(token, [.lastUsedIPs], plaintext: plaintext, now: now, extra: { w in
            w.field("access_level", level)
            w.field("resource_type", resource.kind)
            w.field("resource_id", resource.rawID)
        }, into: &w)
    }

    static func response(_ status: Int, _ issued: IssuedToken, level: Int?, resource: Resource, now: Timestamp) -> APIResponse {
        var w = JSONWriter()
        write(issued.token, level: level, resource: resource, plaintext: issued.plaintext, now: now, into: &w)
        return .json(status, w)
    }

    /// The `:token_id` segment; anything but a number names no token, so it is answered like a
    /// missing one (GitLab: `GET …/access_tokens/self` is a 404, there is no such route).
    static func tokenID(_ context: RequestContext) -> TokenID {
        TokenID(Int(context.pathParameter("token_id")) ?? 0)
    }

    /// 18.x: `404 project Access Token Not Found`.
    static func tokenNotFound(_ resource: Resource) -> HTTPError {
        .message(404, "404 \(resource.kind) Access Token Not Found")
    }

    static func service(_ context: RequestContext) -> ResourceTokenService {
        ResourceTokenService(issuer: context.issuer, random: context.environment.random, host: context.host)
    }

    // MARK: Read

    @Sendable static func list(_ context: inout RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let query = TokenQuery.read(from: &reader)
        let pagination = Pagination(&reader)
        try reader.check()
        let caller = context.caller
        let now = context.now
        let (resource, tokens, levels) = try context.repository.read { state throws -> (Resource, [AccessToken], [UserID: Int]) in
            let resource = try context.visibleResource(in: state)
            guard AccessPolicy.canAdminister(resource, by: caller, state: state, now: now) else { throw HTTPError.unauthorized }
            let tokens = ResourceTokenService.tokens(of: resource, state: state)
            var levels: [UserID: Int] = [:]
            for member in state.resources.members(of: resource) { levels[member.userID] = member.accessLevel }
            return (resource, tokens, levels)
        }
        return pagination.response(query.apply(to: tokens, now: now), context: context) { token, w in
            write(token, level: levels[token.userID], resource: resource, now: now, into: &w)
        }
    }

    @Sendable static func show(_ context: inout RequestContext) throws -> APIResponse {
        let id = tokenID(context)
        let caller = context.caller
        let now = context.now
        return try context.repository.read { state throws -> APIResponse in
            let resource = try context.visibleResource(in: state)
            guard AccessPolicy.canAdminister(resource, by: caller, state: state, now: now) else { throw HTTPError.unauthorized }
            guard let token = state.token(id), ResourceTokenService.belongs(token, to: resource, state: state) else {
                throw tokenNotFound(resource)
            }
            var w = JSONWriter()
            write(token, level: ResourceTokenService.accessLevel(of: token, in: resource, state: state), resource: resource, now: now, into: &w)
            return .json(200, w)
        }
    }

    // MARK: Create

    /// Parameters first (Grape), then the resource, then the service's checks in GitLab's order.
    @Sendable static func create(_ context: inout RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let name = reader.string("name", required: true)
        let scopes = reader.stringArray("scopes", required: true, commaSeparated: true, allowed: Set(Scope.resourceBot))
        let description = reader.string("description")
        let expiresAt = reader.date("expires_at")
        let level = reader.oneOf("access_level", AccessLevel.memberLevels) ?? AccessLevel.maintainer
        try reader.check()
        let service = service(context)
        let caller = context.caller
        let request = TokenRequest(
            name: name ?? "", description: description, scopes: scopes ?? [], expiresAt: expiresAt ?? context.issuer.defaultExpiry)
        let (resource, issued) = try context.repository.write { state throws -> (Resource, IssuedToken) in
            let resource = try context.visibleResource(in: state)
            do throws(ResourceTokenService.Failure) {
                return (resource, try service.create(request, accessLevel: level, in: resource, by: caller, state: &state))
            } catch .token(.exceedsLimit(let error)) {
                throw HTTPError.validation([error])
            } catch {
                throw HTTPError.badRequest(error.reason)
            }
        }
        return response(201, issued, level: level, resource: resource, now: context.now)
    }

    // MARK: Rotate

    @Sendable static func rotate(_ context: inout RequestContext) throws -> APIResponse {
        let id = tokenID(context)
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let caller = context.caller
        let now = context.now
        let (resource, token) = try context.repository.read { state throws -> (Resource, AccessToken) in
            let resource = try context.visibleResource(in: state)
            guard AccessPolicy.canManageTokens(resource, by: caller, state: state, now: now),
                let token = state.token(id), ResourceTokenService.belongs(token, to: resource, state: state)
            else { throw caller.isAdmin ? HTTPError.notFound : HTTPError.unauthorized }
            return (resource, token)
        }
        return try rotate(token, in: resource, expiresAt: expiresAt, context: context)
    }

    /// A bot rotating its own token: only a bot's token of this resource may (a human's → 405).
    @Sendable static func rotateSelf(_ context: inout RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        guard context.user.isBot, context.token.userID == context.user.id else {
            throw HTTPError.message(405, "405 Method Not Allowed")
        }
        let token = context.token
        let resource = try context.repository.read { state throws -> Resource in
            let resource = try context.visibleResource(in: state)
            guard ResourceTokenService.belongs(token, to: resource, state: state) else { throw HTTPError.unauthorized }
            return resource
        }
        return try rotate(token, in: resource, expiresAt: expiresAt, context: context)
    }

    static func rotate(_ token: AccessToken, in resource: Resource, expiresAt: CivilDate?, context: RequestContext) throws -> APIResponse {
        let service = service(context)
        let caller = context.caller
        do {
            var level: Int?
            let issued = try context.rotateCheckingCredential { state in
                level = ResourceTokenService.accessLevel(of: token, in: resource, state: state)
                return try service.rotate(token, in: resource, by: caller, expiresAt: expiresAt, state: &state)
            }
            return response(200, issued, level: level, resource: resource, now: context.now)
        } catch let error as ResourceTokenService.Failure {
            throw HTTPError.badRequest(error.reason)
        }
    }

    // MARK: Revoke

    /// Resource, then token (404s), then permission (400 "<caller> cannot delete <bot>").
    @Sendable static func revoke(_ context: inout RequestContext) throws -> APIResponse {
        let id = tokenID(context)
        let service = service(context)
        let caller = context.caller
        try context.repository.write { state throws in
            let resource = try context.visibleResource(in: state)
            guard let token = state.token(id), ResourceTokenService.belongs(token, to: resource, state: state) else {
                throw tokenNotFound(resource)
            }
            do throws(ResourceTokenService.Failure) {
                try service.revoke(token, in: resource, by: caller, state: &state)
            } catch {
                throw HTTPError.badRequest(error.reason)
            }
        }
        return .noContent()
    }
}

extension RequestContext {
    /// The host clients reach the instance at, without scheme or port (bot e-mail addresses).
    var host: String {
        var base = Substring(webBase)
        if let colon = base.firstIndex(of: ":"), base[colon...].hasPrefix("://") { base = base[base.index(colon, offsetBy: 3)...] }
        if let colon = base.firstIndex(of: ":") { base = base[..<colon] }
        if let slash = base.firstIndex(of: "/") { base = base[..<slash] }
        return base.isEmpty ? "localhost" : String(base)
    }
}
