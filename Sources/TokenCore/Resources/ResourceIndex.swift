/// The groups, projects and memberships of a ``StoreState``, with the lookups the request path
/// needs: by id, by full path (case-insensitive, as GitLab's routes), members of a resource and
/// memberships of a user. Mutated only through ``StoreState``, which keeps the undo log.
///
/// Paths are indexed one segment at a time: each group or project is filed under its parent
/// namespace and its own `path`, and a full path is walked segment by segment. Nothing holds a
/// full path, so the index grows with the data (not with the square of the nesting depth), and
/// renaming a group changes one entry, however many subgroups and projects it holds.
public struct ResourceIndex: Sendable {
    public private(set) var groups: [GroupID: Group] = [:]
    public private(set) var projects: [ProjectID: Project] = [:]
    public private(set) var memberships: [Membership.Key: Membership] = [:]
    private var membersByResource: [Resource: Set<UserID>] = [:]
    private var resourcesByUser: [UserID: Set<Resource>] = [:]
    /// Every group and project under its parent namespace (nil: the top level) and lower-cased path.
    private var resourceBySegment: [Segment: Resource] = [:]
    /// Users' personal namespaces: lower-cased username to user, and user to username as stored.
    private var userByNamespace: [String: UserID] = [:]
    private var namespaceOfUser: [UserID: String] = [:]

    /// One step of a full path: a name inside a parent namespace.
    private struct Segment: Hashable, Sendable {
        var parent: Namespace?
        var name: String

        init(_ parent: Namespace?, _ path: some StringProtocol) {
            self.parent = parent
            self.name = path.lowercased()
        }
    }

    /// More ancestors than any stored group can have (GitLab allows 20); bounds every walk up a
    /// group's parents, even over a store written before the limit or damaged into a cycle.
    static let maximumLineage = 64

    init() {}

    // MARK: Queries

    public func group(_ id: GroupID) -> Group? { groups[id] }
    public func project(_ id: ProjectID) -> Project? { projects[id] }

    /// `group/subgroup` or `namespace/project`, as stored (original case), built from the
    /// resource's parents on each call.
    public func fullPath(of resource: Resource) -> String? {
        switch resource {
        case .group(let id):
            return groupFullPath(id)
        case .project(let id):
            guard let project = projects[id] else { return nil }
            switch project.namespace {
            case .group(let owner): return (groupFullPath(owner) ?? "") + "/" + project.path
            case .user(let owner): return (namespaceOfUser[owner] ?? "") + "/" + project.path
            }
        }
    }

    /// A project or group by its full path, ignoring case. A user's personal namespace alone is
    /// no resource (nil).
    public func resource(atPath path: String) -> Resource? {
        var parent: Namespace?
        var found: Resource?
        var atTop = true
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if case .project? = found { return nil }
            if case .group(let id)? = found { parent = .group(id) }
            if let next = resourceBySegment[Segment(parent, part)] {
                found = next
            } else if atTop, let owner = userByNamespace[part.lowercased()] {
                parent = .user(owner)
                found = nil
            } else {
                return nil
            }
            atTop = false
        }
        return found
    }

    /// The user whose personal namespace (username) this is, ignoring case.
    func user(namespace name: String) -> UserID? { userByNamespace[name.lowercased()] }

    public func membership(_ resource: Resource, _ user: UserID) -> Membership? {
        memberships[Membership.Key(resource, user)]
    }

    /// Direct members of a resource, by ascending user id.
    public func members(of resource: Resource) -> [Membership] {
        (membersByResource[resource] ?? []).sorted().compactMap { memberships[Membership.Key(resource, $0)] }
    }

    /// A user's direct memberships, groups first, each by ascending id.
    public func memberships(of user: UserID) -> [Membership] {
        (resourcesByUser[user] ?? []).sorted().compactMap { memberships[Membership.Key($0, user)] }
    }

    /// The group and its ancestors, nearest first (at most ``maximumLineage``).
    public func lineage(of group: GroupID) -> [Group] {
        var result: [Group] = []
        var next: GroupID? = group
        while let id = next, let current = groups[id], result.count < Self.maximumLineage {
            result.append(current)
            next = current.parentID
        }
        return result
    }

    /// Each group's direct subgroups, in one pass over the groups (to walk subtrees with
    /// ``subtree(of:children:)``).
    public func childGroups() -> [GroupID: [GroupID]] {
        var children: [GroupID: [GroupID]] = [:]
        for group in groups.values {
            if let parent = group.parentID { children[parent, default: []].append(group.id) }
        }
        return children
    }

    /// The group and every descendant, parents before children (each family by id).
    public static func subtree(of id: GroupID, children: [GroupID: [GroupID]]) -> [GroupID] {
        var subtree: [GroupID] = [id]
        var next = 0
        while next < subtree.count {
            subtree += (children[subtree[next]] ?? []).sorted()
            next += 1
        }
        return subtree
    }

    /// Every group, by ascending id.
    public func allGroups() -> [Group] { groups.values.sorted { $0.id < $1.id } }
    /// Every project, by ascending id.
    public func allProjects() -> [Project] { projects.values.sorted { $0.id < $1.id } }
    /// Every membership, by resource then user.
    public func allMemberships() -> [Membership] {
        memberships.values.sorted { ($0.resource, $0.userID.rawValue) < ($1.resource, $1.userID.rawValue) }
    }

    private func groupFullPath(_ id: GroupID) -> String? {
        let lineage = lineage(of: id)
        guard !lineage.isEmpty else { return nil }
        return lineage.reversed().map(\.path).joined(separator: "/")
    }

    // MARK: Maintenance (through StoreState)

    mutating func setGroup(_ id: GroupID, _ group: Group?) {
        if let old = groups[id] { unindex(Segment(old.parentID.map(Namespace.group), old.path), .group(id)) }
        groups[id] = group
        if let group { resourceBySegment[Segment(group.parentID.map(Namespace.group), group.path)] = .group(id) }
    }

    mutating func setProject(_ id: ProjectID, _ project: Project?) {
        if let old = projects[id] { unindex(Segment(old.namespace, old.path), .project(id)) }
        projects[id] = project
        if let project { resourceBySegment[Segment(project.namespace, project.path)] = .project(id) }
    }

    /// A user's personal namespace follows their username (nil: the user is gone).
    mutating func setUserNamespace(_ id: UserID, _ username: String?) {
        if let old = namespaceOfUser.removeValue(forKey: id), userByNamespace[old.lowercased()] == id {
            userByNamespace[old.lowercased()] = nil
        }
        guard let username else { return }
        namespaceOfUser[id] = username
        userByNamespace[username.lowercased()] = id
    }

    mutating func setMembership(_ key: Membership.Key, _ membership: Membership?) {
        memberships[key] = membership
        if membership != nil {
            membersByResource[key.resource, default: []].insert(key.userID)
            resourcesByUser[key.userID, default: []].insert(key.resource)
        } else {
            membersByResource[key.resource]?.remove(key.userID)
            resourcesByUser[key.userID]?.remove(key.resource)
        }
    }

    private mutating func unindex(_ segment: Segment, _ resource: Resource) {
        if resourceBySegment[segment] == resource { resourceBySegment[segment] = nil }
    }
}
