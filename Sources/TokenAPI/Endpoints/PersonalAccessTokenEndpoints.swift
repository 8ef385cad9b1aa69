import HTTPTypes
import JSON
import TokenCore

/// `/personal_access_tokens`: list, read, rotate and revoke tokens by id or as `self`.
enum PersonalAccessTokenEndpoints {
    static let routes: [Route] = [
        Route(.get, "personal_access_tokens", list),
        Route(.get, "personal_access_tokens/self", scopes: .anyScope, showSelf),
        Route(.delete, "personal_access_tokens/self", scopes: .anyScope, errors: .serviceMessage, revokeSelf),
        Route(.get, "personal_access_tokens/self/associations", scopes: .anyScope, TokenAssociations.respond),
        Route(.post, "personal_access_tokens/self/rotate", scopes: .selfRotation, errors: .serviceMessage, reuseDetection: .always, rotateSelf),
        Route(.get, "personal_access_tokens/:id", show),
        Route(.post, "personal_access_tokens/:id/rotate", errors: .serviceMessage, reuseDetection: .whenNumeric("id"), rotate),
        Route(.delete, "personal_access_tokens/:id", errors: .serviceMessage, revoke),
    ]

    // MARK: List

    @Sendable static func list(_ context: AuthenticatedContext) throws -> APIResponse {
        let isAdmin = context.isAdmin
        let me = context.user
        // `user_id` is an id or, as the seed pages document it, a username.
        var reader = context.reader()
        let userParameter = reader.string("user_id", maxLength: RequestLimits.searchTerm)?.trimmingSpaces
        if !isAdmin, reader.has("user_id") {
            guard let userParameter, Int(userParameter) == me.id.rawValue || userParameter.lowercased() == me.username.lowercased() else {
                throw HTTPError.unauthorized
            }
        }
        let query = TokenQuery.read(from: &reader)
        let pagination = Pagination(&reader)
        try reader.check()
        let now = context.now
        if isAdmin, userParameter == nil, query.isUnfiltered {
            // Every token by id: page straight from the id index, no per-request sort or filter.
            let (page, total) = try context.read { state in
                (state.tokens(atPositions: pagination.positions), state.tokens.count)
            }
            return pagination.response(page: page, total: total, context: context) { token, w in
                TokenEntity.write(token, [.lastUsedIPs], now: now, into: &w)
            }
        }
        let tokens = try context.read { state throws(HTTPError) -> [AccessToken] in
            if isAdmin {
                guard let userParameter else { return state.allTokens() }
                guard !userParameter.isEmpty, let owner = UserDirectory.find(userParameter, in: state) else { throw HTTPError.notFound }
                return state.tokens(ownedBy: owner.id)
            }
            return state.tokens(ownedBy: me.id).filter { !$0.impersonation }
        }
        let selected = query.apply(to: tokens, now: now)
        return pagination.response(selected, context: context) { token, w in
            TokenEntity.write(token, [.lastUsedIPs], now: now, into: &w)
        }
    }

    // MARK: Self

    /// The token's entity from the cache: written once per version of the record.
    @Sendable static func showSelf(_ context: AuthenticatedContext) throws -> APIResponse {
        .json(.ok, bytes: context.dependencies.responseCache.selfEntity(context.token, now: context.now))
    }

    /// Revokes the authenticating token. A non-admin may not revoke their impersonation token.
    @Sendable static func revokeSelf(_ context: AuthenticatedContext) throws -> APIResponse {
        let token = context.token
        if token.impersonation && !context.isAdmin { throw HTTPError.badRequest("Not permitted to revoke") }
        let issuer = context.issuer
        try context.write { state in try issuer.revoke(token.id, in: &state) }
        return .noContent
    }

    @Sendable static func rotateSelf(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let id = context.token.id
        let issuer = context.issuer
        let issued = try context.write { state in try issuer.rotate(id, expiresAt: expiresAt, in: &state) }
        return TokenEntity.response(.ok, issued.token, [], plaintext: issued.plaintext, now: context.now)
    }

    // MARK: By id

    /// This caller's view of token `id`: admins see any (404 when missing), others only their
    /// own (401 otherwise, as GitLab answers).
    static func visibleToken(_ id: TokenID, in state: borrowing StoreState, context: AuthenticatedContext) throws(HTTPError) -> AccessToken {
        guard let token = state.token(id), context.isAdmin || token.userID == context.user.id else {
            throw context.isAdmin ? HTTPError.notFound : HTTPError.unauthorized
        }
        return token
    }

    @Sendable static func show(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = TokenID(try context.path.require("id", as: Int.self))
        let token = try context.read { state throws(HTTPError) in try visibleToken(id, in: state, context: context) }
        return TokenEntity.response(.ok, token, [.lastUsedIPs], now: context.now)
    }

    /// One transaction: the token is found, the caller's right to it checked, and it is rotated.
    @Sendable static func rotate(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = TokenID(try context.path.require("id", as: Int.self))
        var reader = context.reader()
        let expiresAt = reader.date("expires_at")
        try reader.check()
        let issuer = context.issuer
        let issued = try context.write { state in
            let token = try visibleToken(id, in: state, context: context)
            return try issuer.rotate(token.id, expiresAt: expiresAt, in: &state)
        }
        return TokenEntity.response(.ok, issued.token, [], plaintext: issued.plaintext, now: context.now)
    }

    @Sendable static func revoke(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = TokenID(try context.path.require("id", as: Int.self))
        let (isAdmin, me) = (context.isAdmin, context.user.id)
        let issuer = context.issuer
        try context.write { state throws in
            guard let token = state.token(id) else { throw HTTPError.recordNotFound }
            guard isAdmin || (token.userID == me && !token.impersonation) else {
                throw HTTPError.badRequest("Not permitted to revoke")
            }
            try issuer.revoke(id, in: &state)
        }
        return .noContent
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
        query.sort = reader.string("sort").flatMap(TokenSort.init(rawValue:))
        return query
    }
}
