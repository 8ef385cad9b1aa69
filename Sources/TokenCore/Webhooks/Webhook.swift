/// A project or group webhook (GitLab's `ProjectHook`/`GroupHook`). tokend delivers only the
/// access-token expiry event (`resource_access_token_events`); every other setting a client
/// makes (event flags, branch filter, template) is kept and read back, as configuration tools
/// compare what they wrote with what they read.
public struct Webhook: Hashable, Sendable {
    public var id: HookID
    public var resource: Resource
    /// An `http://` or `https://` URL (``WebhookRules/validateURL(_:)``).
    public var url: String
    public var name: String
    public var description: String
    /// The secret sent as `X-Gitlab-Token`, sealed under a key derived from the instance secret
    /// (``WebhookTokenBox``), as GitLab keeps it encrypted; nil when the hook has none.
    public var sealedToken: [UInt8]?
    public var pushEvents: Bool
    public var resourceAccessTokenEvents: Bool
    public var enableSSLVerification: Bool
    /// The other event flags turned on (names from ``WebhookRules/eventNames(for:)``).
    public var otherEvents: Set<String>
    /// GitLab's `push_events_branch_filter`, exactly as sent (`""` stays `""`).
    public var pushEventsBranchFilter: String?
    public var branchFilterStrategy: BranchFilterStrategy
    public var customWebhookTemplate: String?
    public var createdAt: Timestamp

    public init(
        id: HookID, resource: Resource, url: String, name: String = "", description: String = "", sealedToken: [UInt8]? = nil,
        pushEvents: Bool = true, resourceAccessTokenEvents: Bool = false, enableSSLVerification: Bool = true,
        otherEvents: Set<String> = [], pushEventsBranchFilter: String? = nil, branchFilterStrategy: BranchFilterStrategy = .wildcard,
        customWebhookTemplate: String? = nil, createdAt: Timestamp
    ) {
        self.id = id
        self.resource = resource
        self.url = url
        self.name = name
        self.description = description
        self.sealedToken = sealedToken
        self.pushEvents = pushEvents
        self.resourceAccessTokenEvents = resourceAccessTokenEvents
        self.enableSSLVerification = enableSSLVerification
        self.otherEvents = otherEvents
        self.pushEventsBranchFilter = pushEventsBranchFilter
        self.branchFilterStrategy = branchFilterStrategy
        self.customWebhookTemplate = customWebhookTemplate
        self.createdAt = createdAt
    }
}

/// How a hook's `push_events_branch_filter` is read (GitLab's `WebHook.branch_filter_strategies`).
public enum BranchFilterStrategy: String, Hashable, Sendable, CaseIterable {
    case wildcard
    case regex
    case allBranches = "all_branches"
}

/// A webhook's id (GitLab `web_hooks.id`).
public struct HookID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ value: Int) { self.rawValue = value }
    public static func < (l: Self, r: Self) -> Bool { l.rawValue < r.rawValue }
    public var description: String { String(rawValue) }
}

/// GitLab's `PersonalAccessToken::NOTIFICATION_INTERVALS`: how many days before expiry a
/// notice is due. Webhooks get the seven-day notice; the 30 and 60-day ones only where a
/// setting turns them on (GitLab's `extended_*_expiry_webhooks_execute`).
public enum ExpiryInterval: String, Hashable, Sendable, CaseIterable, Comparable {
    case sevenDays = "seven_days"
    case thirtyDays = "thirty_days"
    case sixtyDays = "sixty_days"

    /// Days left until `expires_at` for which this interval applies.
    public var daysLeft: ClosedRange<Int> {
        switch self {
        case .sevenDays: return 0...7
        case .thirtyDays: return 8...30
        case .sixtyDays: return 31...60
        }
    }

    /// The interval `days` left fall in, among `enabled`.
    public static func interval(daysLeft days: Int, enabled: Set<ExpiryInterval>) -> ExpiryInterval? {
        allCases.first { enabled.contains($0) && $0.daysLeft.contains(days) }
    }

    public static func < (l: Self, r: Self) -> Bool { l.daysLeft.lowerBound < r.daysLeft.lowerBound }
}

/// What the notifier remembers of one notice: a token's expiry in one interval, to one hook.
/// Delivered or given up, it is never sent again.
public struct ExpiryNotice: Hashable, Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var tokenID: TokenID
        public var interval: ExpiryInterval
        public var hookID: HookID

        public init(tokenID: TokenID, interval: ExpiryInterval, hookID: HookID) {
            self.tokenID = tokenID
            self.interval = interval
            self.hookID = hookID
        }

        public static func < (l: Self, r: Self) -> Bool {
            (l.tokenID, l.interval, l.hookID) < (r.tokenID, r.interval, r.hookID)
        }
    }

    public enum State: String, Hashable, Sendable {
        /// Failed so far; tried again from ``ExpiryNotice/nextAttemptAt``.
        case retrying
        case delivered
        /// Failed ``NoticeSchedule/maximumAttempts`` times.
        case gaveUp = "gave_up"
    }

    public var key: Key
    public var state: State
    public var attempts: Int
    public var lastAttemptAt: Timestamp
    public var nextAttemptAt: Timestamp?
    /// The receiver's last HTTP status (nil when it could not be reached).
    public var lastStatus: Int?

    public init(key: Key, state: State, attempts: Int, lastAttemptAt: Timestamp, nextAttemptAt: Timestamp? = nil, lastStatus: Int? = nil) {
        self.key = key
        self.state = state
        self.attempts = attempts
        self.lastAttemptAt = lastAttemptAt
        self.nextAttemptAt = nextAttemptAt
        self.lastStatus = lastStatus
    }
}
