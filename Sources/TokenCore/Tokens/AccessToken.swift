/// A personal, impersonation or resource access token, as stored: never the plaintext,
/// only its keyed digest.
public struct AccessToken: Hashable, Sendable {
    // Stored properties are declared words first and bytes last, so a million of them pack
    // without padding holes.
    public var id: TokenID
    public var userID: UserID
    public var name: String
    public var description: String?
    /// Scope names in the order they were given.
    public var scopes: [Scope]
    /// The most recent client addresses, oldest first, at most ``AccessToken/maximumLastUsedIPs``.
    public var lastUsedIPs: [String]
    /// HMAC-SHA256 of the plaintext under the instance secret.
    public var digest: TokenDigest
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var lastUsedAt: Timestamp?
    /// The token this one replaced by rotation (GitLab's token family link).
    public var previousTokenID: TokenID?
    public var expiresAt: CivilDate?
    public var revoked: Bool
    public var impersonation: Bool

    public static let maximumLastUsedIPs = 5

    public init(
        id: TokenID, userID: UserID, name: String, description: String? = nil, scopes: [Scope],
        revoked: Bool = false, expiresAt: CivilDate?, createdAt: Timestamp, updatedAt: Timestamp? = nil,
        lastUsedAt: Timestamp? = nil, lastUsedIPs: [String] = [], impersonation: Bool = false,
        previousTokenID: TokenID? = nil, digest: TokenDigest
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.description = description
        self.scopes = scopes
        self.revoked = revoked
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.lastUsedAt = lastUsedAt
        self.lastUsedIPs = lastUsedIPs
        self.impersonation = impersonation
        self.previousTokenID = previousTokenID
        self.digest = digest
    }

    /// Expired from 00:00 UTC of the `expires_at` date on (GitLab: `expires_at <= now`).
    public func isExpired(at now: Timestamp) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt.startOfDay <= now
    }

    /// GitLab's `active`: neither revoked nor expired.
    public func isActive(at now: Timestamp) -> Bool { !revoked && !isExpired(at: now) }
}
