/// Who is asking: a user, and whether they hold admin powers for this request (admin mode
/// already taken into account by the caller of the domain).
public struct Caller: Hashable, Sendable {
    public var user: User
    public var isAdmin: Bool

    public init(user: User, isAdmin: Bool) {
        self.user = user
        self.isAdmin = isAdmin
    }
}

/// GitLab's permission rules for projects, groups and their members and access tokens, as pure
/// functions of the stored state.
public enum AccessPolicy {
    /// The user's effective access level in a resource: the highest of their direct
    /// membership and those inherited from ancestor groups (and 50 for the owner of a personal
    /// namespace). nil when they have none.
    public static func accessLevel(of user: UserID, in resource: Resource, state: borrowing StoreState, now: Timestamp) -> AccessLevel? {
        switch resource {
        case .group(let id):
            return groupLevel(of: user, in: id, state: state, now: now)
        case .project(let id):
            let levels = projectLevels(of: user, in: id, state: state, now: now)
            return [levels.project, levels.group].compactMap { $0 }.max()
        }
    }

    /// A project's direct level and the level inherited from its namespace (GitLab's
    /// `access_levels` of the associations API).
    public static func projectLevels(
        of user: UserID, in project: ProjectID, state: borrowing StoreState, now: Timestamp
    ) -> (project: AccessLevel?, group: AccessLevel?) {
        guard let stored = state.resources.project(project) else { return (nil, nil) }
        var direct = active(state.resources.membership(.project(project), user), now)
        var inherited: AccessLevel?
        switch stored.namespace {
        case .group(let group): inherited = groupLevel(of: user, in: group, state: state, now: now)
        case .user(let owner): if owner == user { direct = .owner }
        }
        return (direct, inherited)
    }

    /// The highest of the user's memberships of the group and its ancestors, and of what the
    /// groups they are shared with grant (each capped at the share's level).
    private static func groupLevel(of user: UserID, in group: GroupID, state: borrowing StoreState, now: Timestamp) -> AccessLevel? {
        var best: AccessLevel?
        for ancestor in state.resources.lineage(of: group) {
            best = highest(best, active(state.resources.membership(.group(ancestor.id), user), now))
            for link in ancestor.sharedWith where link.isActive(at: now) {
                best = highest(best, membershipLevel(of: user, in: link.groupID, state: state, now: now).map { min($0, link.accessLevel) })
            }
        }
        return best
    }

    /// Membership only, direct or inherited from ancestors: what a share passes on (shares do
    /// not chain).
    static func membershipLevel(of user: UserID, in group: GroupID, state: borrowing StoreState, now: Timestamp) -> AccessLevel? {
        var best: AccessLevel?
        for ancestor in state.resources.lineage(of: group) {
            best = highest(best, active(state.resources.membership(.group(ancestor.id), user), now))
        }
        return best
    }

    static func highest(_ a: AccessLevel?, _ b: AccessLevel?) -> AccessLevel? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }

    private static func active(_ membership: Membership?, _ now: Timestamp) -> AccessLevel? {
        guard let membership, membership.isActive(at: now) else { return nil }
        return membership.accessLevel
    }

    public static func visibility(of resource: Resource, state: borrowing StoreState) -> Visibility? {
        switch resource {
        case .group(let id): return state.resources.group(id)?.visibility
        case .project(let id): return state.resources.project(id)?.visibility
        }
    }

    /// GitLab's `read_project` / `read_group`: public and internal ones for every signed-in
    /// user, private ones for members (Guest and up) and admins.
    public static func canRead(_ resource: Resource, by caller: Caller?, state: borrowing StoreState, now: Timestamp) -> Bool {
        guard let visibility = visibility(of: resource, state: state) else { return false }
        if visibility == .public { return true }
        guard let caller else { return false }
        if caller.isAdmin || visibility == .internal { return true }
        return (accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess) >= .guest
    }

    /// The level that administers a resource: Maintainer of a project, Owner of a group
    /// (`admin_project`, `admin_group`), which is what reading, rotating and revoking its
    /// access tokens and managing its members need.
    public static func administratorLevel(of resource: Resource) -> AccessLevel {
        switch resource {
        case .project: return .maintainer
        case .group: return .owner
        }
    }

    public static func canAdminister(_ resource: Resource, by caller: Caller, state: borrowing StoreState, now: Timestamp) -> Bool {
        if caller.isAdmin { return true }
        let level = accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess
        return level >= administratorLevel(of: resource)
    }

    /// Creating and rotating resource access tokens: administrators of the resource, never a bot.
    public static func canManageTokens(_ resource: Resource, by caller: Caller, state: borrowing StoreState, now: Timestamp) -> Bool {
        if caller.isAdmin { return true }
        return !caller.user.isBot && canAdminister(resource, by: caller, state: state, now: now)
    }

    /// Creating a project in a group (Maintainer and up, GitLab's default) or a subgroup
    /// (Maintainer and up, the default `subgroup_creation_level`).
    public static func canCreate(in group: GroupID, by caller: Caller, state: borrowing StoreState, now: Timestamp) -> Bool {
        if caller.isAdmin { return true }
        let level = accessLevel(of: caller.user.id, in: .group(group), state: state, now: now) ?? .noAccess
        return level >= .maintainer
    }

    /// Everyone with access to the resource, directly, through ancestor groups or through the
    /// groups those are shared with (capped at the share's level), each once at their highest
    /// level (GitLab's `members/all`), by ascending user id. Expired memberships and shares are
    /// left out.
    public static func effectiveMembers(of resource: Resource, state: borrowing StoreState, now: Timestamp) -> [Membership] {
        var sources: [Resource] = [resource]
        var group: GroupID?
        switch resource {
        case .group(let id): group = state.resources.group(id)?.parentID
        case .project(let id):
            if case .group(let owner)? = state.resources.project(id)?.namespace { group = owner }
        }
        if let group { sources += state.resources.lineage(of: group).map { .group($0.id) } }
        var best: [UserID: Membership] = [:]
        func offer(_ member: Membership) {
            if let current = best[member.userID], current.accessLevel >= member.accessLevel { return }
            best[member.userID] = member
        }
        for source in sources {
            for member in state.resources.members(of: source) where member.isActive(at: now) { offer(member) }
        }
        for case .group(let id) in sources {
            for link in state.resources.group(id)?.sharedWith ?? [] where link.isActive(at: now) {
                for invited in state.resources.lineage(of: link.groupID) {
                    for var member in state.resources.members(of: .group(invited.id)) where member.isActive(at: now) {
                        member.accessLevel = min(member.accessLevel, link.accessLevel)
                        offer(member)
                    }
                }
            }
        }
        return best.values.sorted { $0.userID < $1.userID }
    }
}
