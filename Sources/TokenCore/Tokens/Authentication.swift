/// Why a presented token does not authenticate a request.
public enum AuthenticationFailure: Error, Hashable, Sendable {
    /// No token, or a string that matches no stored token: 401 "401 Unauthorized".
    case unknownToken
    /// 401 invalid_token, "Token is expired…".
    case expired
    /// 401 invalid_token, "Token was revoked…".
    case revoked
    /// 401 invalid_token, impersonation disabled on this instance.
    case impersonationDisabled
    /// 403 "Your account has been blocked."
    case blocked
}

/// A token that authenticated, with the user it acts as.
public struct Credential: Hashable, Sendable {
    public var token: AccessToken
    public var user: User

    public init(token: AccessToken, user: User) {
        self.token = token
        self.user = user
    }

    /// GitLab's admin powers for a request made with this token as `actor` (its owner, or the
    /// `Sudo` target): an admin user, and under Admin Mode a token with the `admin_mode` scope.
    /// The one place this rule lives.
    public func hasAdminPowers(as actor: User? = nil, settings: InstanceSettings) -> Bool {
        (actor ?? user).isAdmin && (!settings.adminMode || token.scopes.contains(.adminMode))
    }
}

/// Token authentication rules (GitLab's AccessTokenValidationService and AuthFinders), pure.
public enum Authentication {
    /// Looks a presented token up by digest and checks expiry, then revocation, in GitLab's order.
    /// Scope and user-state checks come later (``checkUser(_:settings:)``), once the endpoint is known.
    public static func lookup(
        _ presented: String, secret: TokenSecret, in state: borrowing StoreState, now: Timestamp
    ) -> Result<Credential, AuthenticationFailure> {
        let digest = secret.digest(of: presented)
        guard let token = state.token(digest: digest), token.digest.constantTimeEquals(digest) else {
            return .failure(.unknownToken)
        }
        return validate(token, in: state, now: now)
    }

    /// The checks of ``lookup(_:secret:in:now:)`` on a token already found: its owner exists, it
    /// has not expired, it is not revoked. Run again inside a write, so a token revoked by a
    /// concurrent request cannot slip through between authentication and the change.
    public static func validate(
        _ token: AccessToken, in state: borrowing StoreState, now: Timestamp
    ) -> Result<Credential, AuthenticationFailure> {
        guard let user = state.user(token.userID) else { return .failure(.unknownToken) }
        if token.isExpired(at: now) { return .failure(.expired) }
        if token.revoked { return .failure(.revoked) }
        return .success(Credential(token: token, user: user))
    }

    /// The owner-state checks that follow a valid token and a sufficient scope.
    public static func checkUser(
        _ credential: Credential, settings: InstanceSettings
    ) -> AuthenticationFailure? {
        if credential.token.impersonation && !settings.impersonationEnabled { return .impersonationDisabled }
        if credential.user.state == .blocked { return .blocked }
        return nil
    }

    /// True when the token holds at least one of the scopes an endpoint accepts.
    public static func hasScope(_ token: AccessToken, accepted: Set<Scope>) -> Bool {
        token.scopes.contains { accepted.contains($0) }
    }

    /// The write GitLab's LastUsedService makes, or nil when its throttle says nothing changes:
    /// `last_used_at` after 10 minutes; a new address after 1 minute, keeping the newest 5.
    public static func usageUpdate(of token: AccessToken, from address: String?, now: Timestamp) -> AccessToken? {
        var updated = token
        var changed = false
        let last = token.lastUsedAt
        if last == nil || last! <= now.adding(minutes: -10) {
            updated.lastUsedAt = now
            changed = true
        }
        if let address, !address.isEmpty, !token.lastUsedIPs.contains(address),
            last == nil || last! <= now.adding(minutes: -1)
        {
            updated.lastUsedIPs.append(address)
            if updated.lastUsedIPs.count > AccessToken.maximumLastUsedIPs {
                updated.lastUsedIPs.removeFirst(updated.lastUsedIPs.count - AccessToken.maximumLastUsedIPs)
            }
            updated.lastUsedAt = now
            changed = true
        }
        return changed ? updated : nil
    }

    /// GitLab's automatic reuse detection: the still-active descendants of a revoked token
    /// presented to a rotate endpoint, which must all be revoked
    /// (``StoreState/revokeDescendants(of:at:)`` does it).
    public static func reuseRevocations(
        for token: AccessToken, in state: borrowing StoreState, now: Timestamp
    ) -> [AccessToken] {
        let family = state.tokens(ownedBy: token.userID)
        var children: [TokenID: [AccessToken]] = [:]
        for member in family {
            if let parent = member.previousTokenID { children[parent, default: []].append(member) }
        }
        var result: [AccessToken] = []
        var frontier = children[token.id] ?? []
        while let next = frontier.popLast() {
            if next.isActive(at: now) { result.append(next) }
            frontier.append(contentsOf: children[next.id] ?? [])
        }
        return result.sorted { $0.id < $1.id }
    }
}

extension StoreState {
    /// Reuse detection's change: revokes every still-active descendant of `token` (the tokens
    /// rotated from it, and theirs). The one place a token family is revoked.
    public mutating func revokeDescendants(of token: AccessToken, at now: Timestamp) {
        for descendant in Authentication.reuseRevocations(for: token, in: self, now: now) {
            var revoked = descendant
            revoked.revoked = true
            revoked.updatedAt = now
            put(revoked)
        }
    }
}
