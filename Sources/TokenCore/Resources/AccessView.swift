/// One user's effective access level in every group and project, computed in one pass over the
/// store: what lists filter by. Asking ``AccessPolicy/accessLevel(of:in:state:now:)`` for each of
/// N resources would walk every lineage and every share again; this costs O(groups + projects +
/// shares) once. The two agree (a test holds them together).
public struct AccessView: Sendable {
    public let userID: UserID
    private var groupLevels: [GroupID: AccessLevel] = [:]
    private var projectLevels: [ProjectID: AccessLevel] = [:]

    public init(of user: UserID, in state: borrowing StoreState, now: Timestamp) {
        userID = user
        let resources = state.resources
        var directGroups: [GroupID: AccessLevel] = [:]
        var directProjectLevels: [ProjectID: AccessLevel] = [:]
        for membership in resources.memberships(of: user) where membership.isActive(at: now) {
            switch membership.resource {
            case .group(let id): directGroups[id] = membership.accessLevel
            case .project(let id): directProjectLevels[id] = membership.accessLevel
            }
        }
        // Membership only (what a share passes on), then with shares, each memoised top-down.
        var inherited: [GroupID: AccessLevel?] = [:]
        func membership(_ id: GroupID, depth: Int = 0) -> AccessLevel? {
            if let known = inherited[id] { return known }
            let parent = resources.group(id)?.parentID
            let level = AccessPolicy.highest(directGroups[id], depth < 64 ? parent.flatMap { membership($0, depth: depth + 1) } : nil)
            inherited[id] = level
            return level
        }
        var full: [GroupID: AccessLevel?] = [:]
        func effective(_ id: GroupID, depth: Int = 0) -> AccessLevel? {
            if let known = full[id] { return known }
            guard let group = resources.group(id) else { return nil }
            var level = membership(id)
            for link in group.sharedWith where link.isActive(at: now) {
                level = AccessPolicy.highest(level, membership(link.groupID).map { min($0, link.accessLevel) })
            }
            if depth < 64, let parent = group.parentID { level = AccessPolicy.highest(level, effective(parent, depth: depth + 1)) }
            full[id] = level
            return level
        }
        for id in resources.groups.keys {
            if let level = effective(id) { groupLevels[id] = level }
        }
        for project in resources.projects.values {
            var level = directProjectLevels[project.id]
            switch project.namespace {
            case .group(let id): level = AccessPolicy.highest(level, groupLevels[id])
            case .user(let owner): if owner == user { level = .owner }
            }
            if let level { projectLevels[project.id] = level }
        }
    }

    /// The user's effective level in `resource`, nil when they have none.
    public func level(of resource: Resource) -> AccessLevel? {
        switch resource {
        case .group(let id): return groupLevels[id]
        case .project(let id): return projectLevels[id]
        }
    }

    /// GitLab's `read_project`/`read_group` for this user (``AccessPolicy/canRead(_:by:state:now:)``
    /// over the whole store).
    public func canRead(_ visibility: Visibility, _ resource: Resource, isAdmin: Bool) -> Bool {
        visibility != .private || isAdmin || (level(of: resource) ?? .noAccess) >= .guest
    }
}
