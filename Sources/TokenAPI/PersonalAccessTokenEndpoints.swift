import JSON
import TokenCore

/// `/personal_access_tokens`: list, read, rotate and revoke tokens by id or as `self`.
enum PersonalAccessTokenEndpoints {
    static let selfRotationScopes = EndpointScopes(own: [(Scope.api, false), (Scope.selfRotate, false)])

    static let routes: [Route] = [
        Route("GET", "personal_access_tokens", list),
        Route("GET", "personal_access_tokens/self", scopes: .anyScope, showSelf),
        Route("DELETE", "personal_access_tokens/self", scopes: .anyScope, revokeSelf),
        Route("GET", "personal_access_tokens/self/associations", scopes: .anyScope, TokenAssociations.respond),
        Route("POST", "personal_access_tokens/self/rotate", scopes: selfRotationScopes, rotateSelf),
        Route("GET", "personal_access_tokens/:id", show),
        Route("POST", "personal_access_tokens/:id/rotate", rotate),
        Route("DELETE", "personal_access_tokens/:id", revoke),
    ]

    // MARK: List

    @Sendable static func list(_ context: inout RequestContext) throws -> APIResponse {
        let isAdmin = context.isAdmin
        let me = context.user.id
        if !isAdmin, context.reader().has("user_id") {
            var probe = context.reader()
            guard probe.integer("user_id") == me.rawValue else { throw HTTPError.unauthorized }
        }
        var reader = context.reader()
        let userParameter = reader.string("user_id")
        var userID: Int?
        if let userParameter, !userParameter.isEmpty {
            userID = reader.integer("user_id")
        }
        let query = TokenQuery.read(from: &reader)
        let pagination = Pagination(&reader)
        try reader.check()
        let now = context.now
        if isAdmin, userParameter == nil, query.isUnfiltered {
            // Every token by id: page straight from the id index, no per-request sort or filter.
            let (page, total) = try context.repository.read { state in
                (state.tokens(atPositions: pagination.positions), state.tokens.count)
            }
            return pagination.response(page: page, total: total, context: context) { token, w in
                TokenEntity.write(token, [.lastUsedIPs], now: now, into: &w)
            }
        }
        let tokens = try context.repository.read { state throws(HTTPError) -> [AccessToken] in
            if isAdmin {
                guard let userParameter else { return state.allTokens() }
                guard let userID, state.user(UserID(userID)) != nil, !userParameter.isEmpty else {
                    throw HTTPError.notFound
                }
                return state.tokens(ownedBy: UserID(userID))
            }
            return state.tokens(ownedBy: me).filter { !$0.impersonation }
        }
        let selected = query.apply(to: tokens, now: now)
        return pagination.response(selected, context: context) { token, w in
            TokenEntity.write(token, [.lastUsedIPs], now: now, into: &w)
        }
    }

    // MARK: Self

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

    @Sendable static func rotateSelf(_ context: inout RequestContext) throws -> APIResponse {
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        return try rotate(context.token.id, expiresAt: expiresAt, context: context)
    }

    // MARK: By id

    /// The `:id` path parameter as GitLab's Integer type, else 400 "id is invalid".
    static func tokenID(_ context: RequestContext) throws(HTTPError) -> TokenID {
        guard let id = Int(context.pathParameter("id")) else { throw HTTPError.error(400, "id is invalid") }
        return TokenID(id)
    }

    @Sendable static func show(_ context: inout RequestContext) throws -> APIResponse {
        let id = try tokenID(context)
        let isAdmin = context.isAdmin
        let me = context.user.id
        let token = try context.repository.read { $0.token(id) }
        guard let token, isAdmin || token.userID == me else {
            throw isAdmin ? HTTPError.notFound : HTTPError.unauthorized
        }
        return TokenEntity.response(200, token, [.lastUsedIPs], now: context.now)
    }

    @Sendable static func rotate(_ context: inout RequestContext) throws -> APIResponse {
        let id = try tokenID(context)
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let isAdmin = context.isAdmin
        let me = context.user.id
        let token = try context.repository.read { $0.token(id) }
        guard let token, isAdmin || token.userID == me else {
            throw isAdmin ? HTTPError.notFound : HTTPError.unauthorized
        }
        return try rotate(token.id, expiresAt: expiresAt, context: context)
    }

    /// Rotates in one transaction; service failures are 400 "400 Bad request - <reason>".
    static func rotate(_ id: TokenID, expiresAt: CivilDate?, context: RequestContext) throws -> APIResponse {
        let issuer = context.issuer
        do {
            let issued = try context.rotateCheckingCredential { state in try issuer.rotate(id, expiresAt: expiresAt, in: &state) }
            return TokenEntity.response(200, issued.token, [], plaintext: issued.plaintext, now: context.now)
        } catch let error as TokenError {
            throw HTTPError.badRequest(error.reason)
        }
    }

    @Sendable static func revoke(_ context: inout RequestContext) throws -> APIResponse {
        let id = try tokenID(context)
        let isAdmin = context.isAdmin
        let me = context.user.id
        let issuer = context.issuer
        try context.repository.write { state throws in
            guard let token = state.token(id) else { throw HTTPError.message(404, "404 Not found") }
            guard isAdmin || (token.userID == me && !token.impersonation) else {
                throw HTTPError.badRequest("Not permitted to revoke")
            }
            try issuer.revoke(id, in: &state)
        }
        return .noContent()
    }
}

extension TokenQuery {
    /// Reads GitLab's finder parameters, collecting their validation errors.
    static func read(from reader: inout ParameterReader) -> TokenQuery {
        var query = TokenQuery()
        query.revoked = reader.boolean("revoked")
        query.state = reader.oneOf("state", TokenQuery.State.allCases.map(\.rawValue)).flatMap(State.init(rawValue:))
        query.createdBefore = reader.dateTime("created_before")
        query.createdAfter = reader.dateTime("created_after")
        query.lastUsedBefore = reader.dateTime("last_used_before")
        query.lastUsedAfter = reader.dateTime("last_used_after")
        query.expiresBefore = reader.date("expires_before")
        query.expiresAfter = reader.date("expires_after")
        query.search = reader.string("search", maxLength: RequestLimits.searchTerm)
        query.sort = reader.string("sort")
        return query
    }
}
