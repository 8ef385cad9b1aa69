/// What a client asks for when it creates a token.
public struct TokenRequest: Hashable, Sendable {
    public var name: String
    public var description: String?
    public var scopes: [Scope]
    /// nil when the client gave none and the endpoint has no default.
    public var expiresAt: CivilDate?
    public var impersonation: Bool

    public init(
        name: String, description: String? = nil, scopes: [Scope], expiresAt: CivilDate?,
        impersonation: Bool = false
    ) {
        self.name = name
        self.description = description
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.impersonation = impersonation
    }
}

/// A token just made, with its plaintext: the only moment the plaintext exists.
public struct IssuedToken: Hashable, Sendable {
    public var token: AccessToken
    public var plaintext: String
}

/// Creates, rotates and revokes tokens inside a store transaction (GitLab's
/// PersonalAccessTokens::CreateService, RotateService and RevokeService, without I/O).
public struct TokenIssuer: Sendable {
    public var secret: TokenSecret
    public var generator: TokenGenerator
    public var clock: Clock
    public var settings: InstanceSettings

    public init(secret: TokenSecret, random: RandomSource, clock: Clock, settings: InstanceSettings) {
        self.secret = secret
        self.generator = TokenGenerator(prefix: settings.tokenPrefix, random: random)
        self.clock = clock
        self.settings = settings
    }

    /// Today in UTC, by the injected clock.
    public var today: CivilDate { clock.now().date }

    /// The latest expiry date the instance allows, when it requires one.
    public var maximumExpiry: CivilDate? {
        settings.requireExpiry ? today.adding(days: settings.maximumLifetimeDays) : nil
    }

    /// Default expiry for a new token when the client gives none: the maximum lifetime.
    public var defaultExpiry: CivilDate? { maximumExpiry }

    /// Default expiry of a new token of `owner`: none for a service account whose tokens the
    /// instance lets go without one, else ``defaultExpiry``.
    public func defaultExpiry(for owner: User) -> CivilDate? {
        settings.requiresExpiry(for: owner) ? defaultExpiry : nil
    }

    /// Default expiry of a rotated token when the client gives none: a week.
    public var rotationExpiry: CivilDate? {
        settings.requireExpiry ? today.adding(days: min(7, settings.maximumLifetimeDays)) : nil
    }

    /// The model validations of a token for `owner`, in GitLab's order.
    public func validate(_ request: TokenRequest, owner: User) -> [FieldError] {
        var errors: [FieldError] = []
        if request.name.allSatisfy(\.isWhitespace) { errors.append(FieldError("name", "can't be blank")) }
        if request.scopes.isEmpty {
            errors.append(FieldError("scopes", "can't be blank"))
        } else if !request.scopes.allSatisfy(Scope.allSet.contains) {
            errors.append(FieldError("scopes", "can only contain available scopes"))
        }
        if let error = FieldError.length("description", request.description, maximum: FieldLimits.tokenDescription) {
            errors.append(error)
        }
        if settings.requiresExpiry(for: owner) {
            if let expiresAt = request.expiresAt {
                if let maximum = maximumExpiry, expiresAt > maximum {
                    errors.append(FieldError("expires_at", "must be before \(maximum.iso8601)"))
                }
            } else {
                errors.append(FieldError("expires_at", "can't be blank"))
            }
        }
        if request.scopes.contains(Scope.sudo) && !owner.isAdmin {
            errors.append(FieldError("sudo", "can only be enabled for administrators"))
        }
        return errors
    }

    /// Creates a token for `owner`; throws ``TokenError/invalid(_:)`` with every model error.
    public func create(
        _ request: TokenRequest, for owner: User, previous: TokenID? = nil, in state: inout StoreState
    ) throws(TokenError) -> IssuedToken {
        if let error = FieldError.length("name", request.name, maximum: FieldLimits.tokenName) { throw .exceedsLimit(error) }
        let errors = validate(request, owner: owner)
        guard errors.isEmpty else { throw .invalid(errors) }
        let now = clock.now()
        var plaintext = generator.next()
        var digest = secret.digest(of: plaintext)
        while state.token(digest: digest) != nil {
            plaintext = generator.next()
            digest = secret.digest(of: plaintext)
        }
        let token = AccessToken(
            id: state.allocateTokenID(), userID: owner.id, name: request.name,
            description: request.description, scopes: request.scopes, expiresAt: request.expiresAt,
            createdAt: now, impersonation: request.impersonation, previousTokenID: previous,
            digest: digest)
        state.put(token)
        return IssuedToken(token: token, plaintext: plaintext)
    }

    /// Revokes `id` and issues its successor in one step; nothing changes if either fails.
    public func rotate(
        _ id: TokenID, expiresAt: CivilDate?, in state: inout StoreState
    ) throws(TokenError) -> IssuedToken {
        guard var old = state.token(id), let owner = state.user(old.userID) else { throw .tokenNotFound }
        guard !old.revoked else { throw .alreadyRevoked }
        old.revoked = true
        old.updatedAt = clock.now()
        state.put(old)
        let request = TokenRequest(
            name: old.name, description: old.description, scopes: old.scopes,
            expiresAt: expiresAt ?? (old.expiresAt == nil && !settings.requiresExpiry(for: owner) ? nil : rotationExpiry),
            impersonation: old.impersonation)
        return try create(request, for: owner, previous: old.id, in: &state)
    }

    /// Marks a token revoked; revoking a revoked token changes nothing.
    public func revoke(_ id: TokenID, in state: inout StoreState) throws(TokenError) {
        guard var token = state.token(id) else { throw .tokenNotFound }
        guard !token.revoked else { return }
        token.revoked = true
        token.updatedAt = clock.now()
        state.put(token)
    }
}
