/// The groups, projects and memberships of a ``StoreState``, with the lookups the request path
/// needs: by id, by full path (case-insensitive, as GitLab's routes), members of a resource and
/// memberships of a user. Mutated only through ``StoreState``, which keeps the undo log.
public struct ResourceIndex: Sendable {
    public private(set) var groups: [GroupID: Group] = [:]
    public private(set) var projects: [ProjectID: Project] = [:]
    public private(set) var memberships: [Membership.Key: Membership] = [:]
    private var membersByResource: [Resource: Set<UserID>] = [:]
    private var resourcesByUser: [UserID: Set<Resource>] = [:]
    private var resourceByPath: [String: Resource] = [:]
    private var fullPaths: [Resource: String] = [:]

    init() {}

    // MARK: Queries

    public func group(_ id: GroupID) -> Group? { groups[id] }
    public func project(_ id: ProjectID) -> Project? { projects[id] }

    /// `group/subgroup` or `namespace/project`, as stored (original case).
    public func fullPath(of resource: Resource) -> String? { fullPaths[resource] }

    /// A project or group by its full path, ignoring case.
    public func resource(atPath path: String) -> Resource? { resourceByPath[path.lowercased()] }

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

    /// The group and its ancestors, nearest first.
    public func lineage(of group: GroupID) -> [Group] {
        var result: [Group] = []
        var next: GroupID? = group
        while let id = next, let current = groups[id], result.count < 64 {
            result.append(current)
            next = current.parentID
        }
        return result
    }

    /// Every group, by ascending id.
    public func allGroups() -> [Group] { groups.values.sorted { $0.id < $1.id } }
    /// Every project, by ascending id.
    public func allProjects() -> [Project] { projects.values.sorted { $0.id < $1.id } }
    /// Every membership, by resource then user.
    public func allMemberships() -> [Membership] {
        memberships.values.sorted { ($0.resource, $0.userID.rawValue) < ($1.resource, $1.userID.rawValue) }
    }

    // MARK: Maintenance (through StoreState)

    mutating func setGroup(_ id: GroupID, _ group: Group?) {
        unindexPath(.group(id))
        groups[id] = group
        guard let group else { return }
        let parentPath = group.parentID.flatMap { fullPaths[.group($0)] }
        indexPath(.group(id), parentPath.map { $0 + "/" + group.path } ?? group.path)
    }

    /// `namespacePath` is the owning group's full path or the owner's username.
    mutating func setProject(_ id: ProjectID, _ project: Project?, namespacePath: String?) {
        unindexPath(.project(id))
        projects[id] = project
        guard let project else { return }
        indexPath(.project(id), (namespacePath ?? "") + "/" + project.path)
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

    /// The full path of a group's namespace, for its projects.
    func groupPath(_ id: GroupID) -> String? { fullPaths[.group(id)] }

    private mutating func unindexPath(_ resource: Resource) {
        if let old = fullPaths.removeValue(forKey: resource), resourceByPath[old.lowercased()] == resource {
            resourceByPath[old.lowercased()] = nil
        }
    }

    private mutating func indexPath(_ resource: Resource, _ path: String) {
        fullPaths[resource] = path
        resourceByPath[path.lowercased()] = resource
    }
}
