/// Who may see a project or group (GitLab's visibility levels).
public enum Visibility: String, Hashable, Sendable, CaseIterable {
    case `private`
    case `internal`
    case `public`
}

/// GitLab's membership roles, with the integers its API uses.
public enum AccessLevel: Int, Hashable, Sendable, Comparable, CaseIterable {
    case noAccess = 0
    case minimalAccess = 5
    case guest = 10
    case planner = 15
    case reporter = 20
    case developer = 30
    case maintainer = 40
    case owner = 50

    public static func < (l: AccessLevel, r: AccessLevel) -> Bool { l.rawValue < r.rawValue }

    /// The levels a member of a project or group may be given.
    public static let memberLevels: [AccessLevel] = [.guest, .planner, .reporter, .developer, .maintainer, .owner]

    /// A level a member may be given, from the integer a client sent; nil for any other.
    public init?(memberLevel value: Int) {
        guard let level = AccessLevel(rawValue: value), Self.memberLevels.contains(level) else { return nil }
        self = level
    }
}

/// A project or a group: what memberships and resource access tokens belong to.
public enum Resource: Hashable, Sendable, Comparable {
    case group(GroupID)
    case project(ProjectID)

    /// `"group"` or `"project"`, as GitLab's `resource_type` and its messages spell it.
    public var kind: String {
        switch self {
        case .group: return "group"
        case .project: return "project"
        }
    }

    public var rawID: Int {
        switch self {
        case .group(let id): return id.rawValue
        case .project(let id): return id.rawValue
        }
    }

    public static func < (l: Self, r: Self) -> Bool {
        switch (l, r) {
        case (.group(let a), .group(let b)): return a < b
        case (.project(let a), .project(let b)): return a < b
        case (.group, .project): return true
        case (.project, .group): return false
        }
    }
}

/// A group, possibly inside another (GitLab subgroups).
public struct Group: Hashable, Sendable {
    public var id: GroupID
    public var name: String
    /// One URL segment; the full path is the ancestors' paths joined by `/`.
    public var path: String
    public var description: String
    public var parentID: GroupID?
    public var visibility: Visibility
    public var createdAt: Timestamp
    /// The groups this group is shared with, in the order shared.
    public var sharedWith: [GroupLink]

    public init(
        id: GroupID, name: String, path: String, description: String = "", parentID: GroupID? = nil,
        visibility: Visibility = .private, createdAt: Timestamp, sharedWith: [GroupLink] = []
    ) {
        self.id = id
        self.name = name
        self.path = path
        self.description = description
        self.parentID = parentID
        self.visibility = visibility
        self.createdAt = createdAt
        self.sharedWith = sharedWith
    }
}

/// Where a project lives: in a group, or in a user's personal namespace.
public enum Namespace: Hashable, Sendable {
    case group(GroupID)
    case user(UserID)
}

/// A project in a namespace.
public struct Project: Hashable, Sendable {
    public var id: ProjectID
    public var name: String
    public var path: String
    public var description: String?
    public var namespace: Namespace
    public var visibility: Visibility
    public var createdAt: Timestamp
    /// Feature access levels, merge options and flags (``ProjectSettings``).
    public var settings: ProjectSettings

    public init(
        id: ProjectID, name: String, path: String, description: String? = nil, namespace: Namespace,
        visibility: Visibility = .private, createdAt: Timestamp, settings: ProjectSettings = ProjectSettings()
    ) {
        self.id = id
        self.name = name
        self.path = path
        self.description = description
        self.namespace = namespace
        self.visibility = visibility
        self.createdAt = createdAt
        self.settings = settings
    }
}

/// A user's direct membership of a project or group, at one access level.
public struct Membership: Hashable, Sendable {
    public var resource: Resource
    public var userID: UserID
    public var accessLevel: AccessLevel
    public var expiresAt: CivilDate?
    public var createdAt: Timestamp
    /// Who added the member (nil for offline bootstrapping).
    public var createdBy: UserID?

    public init(
        resource: Resource, userID: UserID, accessLevel: AccessLevel, expiresAt: CivilDate? = nil, createdAt: Timestamp,
        createdBy: UserID? = nil
    ) {
        self.resource = resource
        self.userID = userID
        self.accessLevel = accessLevel
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    public struct Key: Hashable, Sendable {
        public var resource: Resource
        public var userID: UserID
        public init(_ resource: Resource, _ userID: UserID) {
            self.resource = resource
            self.userID = userID
        }
    }

    public var key: Key { Key(resource, userID) }

    /// Expired memberships grant nothing (GitLab removes them daily; tokend ignores them at once).
    public func isActive(at now: Timestamp) -> Bool {
        guard let expiresAt else { return true }
        return expiresAt.startOfDay > now
    }
}
