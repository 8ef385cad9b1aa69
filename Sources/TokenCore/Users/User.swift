/// A person (or a project/group bot) that tokens belong to.
public struct User: Hashable, Sendable {
    public enum State: String, Sendable, CaseIterable {
        case active
        case blocked
    }

    public var id: UserID
    public var username: String
    public var name: String
    public var email: String
    public var isAdmin: Bool
    /// True for the bot users that project and group access tokens create.
    public var isBot: Bool
    /// The project or group a bot was made for: its one membership, ever (GitLab's uniqueness
    /// rule for project bots). A resource's token endpoints find only the tokens of its own
    /// bots, whatever other memberships a store may hold. nil for people.
    public var botResource: Resource?
    /// GitLab's `service_account` user type: a machine user that belongs to no person, holds
    /// personal access tokens and is managed by an administrator or, when ``provisionedBy`` names
    /// one, by the Owners of that group (or the Maintainers of that project). Unlike a resource
    /// bot it may be a member of any group or project.
    public var isServiceAccount: Bool
    /// The group or project that created this service account (GitLab's
    /// `provisioned_by_group_id`); nil for instance-wide service accounts and for people.
    public var provisionedBy: Resource?
    public var state: State
    public var createdAt: Timestamp
    /// What administrators set beyond the identity (``UserProfile``).
    public var profile = UserProfile()
    /// The bcrypt hash of the user's password (`$2a$…`/`$2b$…`, GitLab's `encrypted_password`),
    /// nil when none is set: then the user cannot sign in with a password. Never in an entity.
    public var passwordHash: String?
    /// Failed password sign-ins since the last success or unlock (Devise lockable's
    /// `failed_attempts`), stored so every worker and host counts the same.
    public var failedAttempts: Int = 0
    /// When the account was locked by too many failed sign-ins (Devise's `locked_at`); the lock
    /// lifts by itself after ``AccountLock/unlockAfterMilliseconds``.
    public var lockedAt: Timestamp?

    public init(
        id: UserID, username: String, name: String, email: String, isAdmin: Bool = false,
        isBot: Bool = false, botResource: Resource? = nil, isServiceAccount: Bool = false, provisionedBy: Resource? = nil,
        state: State = .active, createdAt: Timestamp
    ) {
        self.id = id
        self.username = username
        self.name = name
        self.email = email
        self.isAdmin = isAdmin
        self.isBot = isBot || botResource != nil
        self.botResource = botResource
        self.isServiceAccount = isServiceAccount || provisionedBy != nil
        self.provisionedBy = provisionedBy
        self.state = state
        self.createdAt = createdAt
    }
}

extension User {
    /// GitLab's `bot?`: resource bots and service accounts, which never sign in to the web.
    public var isBotUserType: Bool { isBot || isServiceAccount }

    /// The resource a bot username names (`project_5_bot_…`, `group_2_bot_…`): how bots made
    /// before ``botResource`` was stored are tied to their resource when a store loads.
    public static func botResource(fromUsername username: String) -> Resource? {
        let parts = username.split(separator: "_", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[2] == "bot", let id = Int(parts[1]), id > 0 else { return nil }
        switch parts[0] {
        case "project": return .project(ProjectID(id))
        case "group": return .group(GroupID(id))
        default: return nil
        }
    }
}
