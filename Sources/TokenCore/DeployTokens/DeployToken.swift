/// A deploy token (GitLab's `DeployToken`): a credential of one project or group, not of a
/// person, for git, container and package registries. It never authenticates the REST API; the
/// forward-auth gate lets it through for its scopes and its own project or group
/// (``DeployTokenAccess``). Its value is stored only as a keyed digest, shown once on creation.
public struct DeployToken: Hashable, Sendable {
    public var id: DeployTokenID
    /// The project or group the token belongs to (`deploy_token_type` and its holder).
    public var resource: Resource
    public var name: String
    /// The username set on creation; nil means GitLab's default, ``username``.
    public var customUsername: String?
    public var digest: TokenDigest
    /// In GitLab's order (``DeployToken/availableScopes``), each once.
    public var scopes: [Scope]
    /// Nil: never expires (GitLab's `Forever.date`).
    public var expiresAt: Timestamp?
    public var revoked: Bool
    public var createdAt: Timestamp
    /// Who created it (GitLab's `creator_id`, for auditing only; never for authorization).
    public var creatorID: UserID?

    public init(
        id: DeployTokenID, resource: Resource, name: String, customUsername: String? = nil, digest: TokenDigest, scopes: [Scope],
        expiresAt: Timestamp? = nil, revoked: Bool = false, createdAt: Timestamp, creatorID: UserID? = nil
    ) {
        self.id = id
        self.resource = resource
        self.name = name
        self.customUsername = customUsername
        self.digest = digest
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.revoked = revoked
        self.createdAt = createdAt
        self.creatorID = creatorID
    }

    /// The custom username, or GitLab's default `gitlab+deploy-token-<id>`.
    public var username: String { customUsername ?? "gitlab+deploy-token-\(id.rawValue)" }

    /// GitLab's `expired?`: the expiry lies before the start of today (UTC).
    public func isExpired(now: Timestamp) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt < now.date.startOfDay
    }

    /// GitLab's `active?`: neither revoked nor expired.
    public func isActive(now: Timestamp) -> Bool { !revoked && !isExpired(now: now) }

    /// `DeployToken::AVAILABLE_SCOPES`, in GitLab's order.
    public static let availableScopes: [Scope] = [
        "read_repository", "read_registry", "write_registry", "read_package_registry", "write_package_registry",
        "read_virtual_registry", "write_virtual_registry",
    ]

    /// `DeployToken::DEPLOY_TOKEN_PREFIX`.
    public static let prefix = "gldt-"
}

/// A deploy token's id (GitLab `deploy_tokens.id`), from a sequence of its own.
public struct DeployTokenID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ value: Int) { self.rawValue = value }
    public static func < (l: Self, r: Self) -> Bool { l.rawValue < r.rawValue }
    public var description: String { String(rawValue) }
}
