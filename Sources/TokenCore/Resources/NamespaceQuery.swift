/// GitLab's Namespaces API over tokend's records: a user's personal namespace (their username)
/// and every group are namespaces.
///
/// Numbering: GitLab gives a user's namespace an id of its own from the sequence groups use.
/// tokend keeps no such record; a user's namespace is numbered ``userNamespaceIDBase`` plus the
/// user's id (user 5's namespace is 1000000005), and a group's namespace id is the group's id.
/// The two never collide while a store has fewer than a billion groups.
extension Namespace {
    public static let userNamespaceIDBase = 1_000_000_000

    /// The namespace's id in the Namespaces API and in a project's `namespace.id`.
    public var apiID: Int {
        switch self {
        case .group(let id): return id.rawValue
        case .user(let id): return Self.userNamespaceIDBase + id.rawValue
        }
    }

    /// The namespace an API id names (nil for zero or a negative number).
    public init?(apiID: Int) {
        guard apiID > 0 else { return nil }
        self = apiID > Self.userNamespaceIDBase ? .user(UserID(apiID - Self.userNamespaceIDBase)) : .group(GroupID(apiID))
    }
}

public enum NamespaceQuery {
    /// A namespace by API id or full path (any case), if it exists.
    public static func find(_ reference: String, in state: borrowing StoreState) -> Namespace? {
        if let id = Int(reference) {
            guard let namespace = Namespace(apiID: id), exists(namespace, in: state) else { return nil }
            return namespace
        }
        if !reference.contains("/"), let owner = state.resources.user(namespace: reference) { return .user(owner) }
        if case .group(let id)? = state.resources.resource(atPath: reference) { return .group(id) }
        return nil
    }

    static func exists(_ namespace: Namespace, in state: borrowing StoreState) -> Bool {
        switch namespace {
        case .group(let id): return state.resources.group(id) != nil
        case .user(let id): return state.user(id) != nil
        }
    }

    /// GitLab's `read_namespace_via_membership`: a user's namespace for them and admins, a group
    /// for its members (direct or inherited) and admins.
    public static func canRead(_ namespace: Namespace, by caller: Caller, state: borrowing StoreState, now: Timestamp) -> Bool {
        if caller.isAdmin { return true }
        switch namespace {
        case .user(let id): return id == caller.user.id
        case .group(let id): return AccessPolicy.accessLevel(of: caller.user.id, in: .group(id), state: state, now: now) != nil
        }
    }

    /// What `GET /namespaces` lists, by API id: admins every namespace; others their own and the
    /// groups they are a direct member of (as Owner with `ownedOnly`), as GitLab's
    /// `User#namespaces` has it. `search` matches the name or path, or with `fullPathSearch` the
    /// full path.
    public static func listed(
        to caller: Caller, ownedOnly: Bool, topLevelOnly: Bool, search: TokenQuery.NameSearch?, fullPathSearch: Bool = false,
        state: borrowing StoreState, now: Timestamp
    ) -> [Namespace] {
        var namespaces: [Namespace]
        if caller.isAdmin {
            namespaces = state.resources.allGroups().map { .group($0.id) } + state.allUsers().map { .user($0.id) }
        } else {
            namespaces = [.user(caller.user.id)]
            for membership in state.resources.memberships(of: caller.user.id) where membership.isActive(at: now) {
                guard case .group(let id) = membership.resource, !ownedOnly || membership.accessLevel == .owner else { continue }
                namespaces.append(.group(id))
            }
        }
        let resources = state.resources
        return namespaces.filter { namespace in
            switch namespace {
            case .group(let id):
                guard let group = resources.group(id) else { return false }
                if topLevelOnly && group.parentID != nil { return false }
                if fullPathSearch { return search.map { $0.matches(resources.fullPath(of: .group(id)) ?? "") } ?? true }
                return search.map { $0.matches(group.name) || $0.matches(group.path) } ?? true
            case .user(let id):
                guard let user = state.user(id) else { return false }
                if fullPathSearch { return search.map { $0.matches(user.username) } ?? true }
                return search.map { $0.matches(user.name) || $0.matches(user.username) } ?? true
            }
        }.sorted { $0.apiID < $1.apiID }
    }

    /// Whether a namespace `path` is taken under `parent` (top level: users and groups), any
    /// case, as GitLab's `GET /namespaces/:id/exists` answers.
    public static func isTaken(_ path: String, under parent: GroupID?, in state: borrowing StoreState) -> Bool {
        if let parent {
            guard let parentPath = state.resources.fullPath(of: .group(parent)) else { return false }
            if case .group? = state.resources.resource(atPath: parentPath + "/" + path) { return true }
            return false
        }
        if state.resources.user(namespace: path) != nil { return true }
        if case .group? = state.resources.resource(atPath: path), !path.contains("/") { return true }
        return false
    }

    /// GitLab's `Namespace.clean_path` suggestion: the path with the first number appended that
    /// makes it free (`path1`, `path2`, …), tried at most `limit` times.
    public static func suggestion(for path: String, under parent: GroupID?, in state: borrowing StoreState, limit: Int = 1_000) -> String? {
        for number in 1...limit where !isTaken(path + String(number), under: parent, in: state) {
            return path + String(number)
        }
        return nil
    }

    /// GitLab's `members_count_with_descendants`: the distinct active members of the group and
    /// its descendants (`children` from ``ResourceIndex/childGroups()``, built once per request).
    public static func membersCountWithDescendants(
        of group: GroupID, children: [GroupID: [GroupID]], state: borrowing StoreState, now: Timestamp
    ) -> Int {
        var members: Set<UserID> = []
        for id in ResourceIndex.subtree(of: group, children: children) {
            for membership in state.resources.members(of: .group(id)) where membership.isActive(at: now) { members.insert(membership.userID) }
        }
        return members.count
    }
}
