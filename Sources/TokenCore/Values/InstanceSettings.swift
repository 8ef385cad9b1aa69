/// The instance settings the token behaviour depends on (GitLab's application settings).
public struct InstanceSettings: Sendable, Hashable {
    /// `personal_access_token_prefix`; GitLab's default is `glpat-`.
    public var tokenPrefix: String
    /// `require_personal_access_token_expiry`; when true every token has an expiry date.
    public var requireExpiry: Bool
    /// The longest lifetime a token may be given, in days (GitLab: 365).
    public var maximumLifetimeDays: Int
    /// GitLab's Admin Mode: when on, admins need the `admin_mode` scope to act as admins.
    public var adminMode: Bool
    /// Whether impersonation tokens authenticate at all.
    public var impersonationEnabled: Bool
    /// `service_access_tokens_expiration_enforced`: when false, a service account's tokens may
    /// have no expiry date even while ``requireExpiry`` holds every other token to one.
    public var serviceAccountTokenExpiry: Bool

    public init(
        tokenPrefix: String = "glpat-", requireExpiry: Bool = true, maximumLifetimeDays: Int = 365,
        adminMode: Bool = false, impersonationEnabled: Bool = true, serviceAccountTokenExpiry: Bool = true
    ) {
        self.tokenPrefix = tokenPrefix
        self.requireExpiry = requireExpiry
        self.maximumLifetimeDays = maximumLifetimeDays
        self.adminMode = adminMode
        self.impersonationEnabled = impersonationEnabled
        self.serviceAccountTokenExpiry = serviceAccountTokenExpiry
    }

    public static let `default` = InstanceSettings()

    /// Whether `owner`'s tokens must have an expiry date.
    public func requiresExpiry(for owner: User) -> Bool {
        requireExpiry && (serviceAccountTokenExpiry || !owner.isServiceAccount)
    }
}
