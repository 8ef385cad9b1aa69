/// Every user and token, with the indexes the request path needs, and the bookkeeping of one
/// transaction: the changes it made (to persist) and how to undo them (to roll back).
///
/// A store backend keeps one `StoreState` current and hands it to domain operations: read-only
/// for reads, `inout` inside a transaction. Domain code mutates it only through `put`/`delete`.
public struct StoreState: Sendable {
    public private(set) var users: [UserID: User] = [:]
    public private(set) var tokens: [TokenID: AccessToken] = [:]
    private var tokenIDByDigest: [TokenDigest: TokenID] = [:]
    private var tokenIDsByUser: [UserID: [TokenID]] = [:]
    private var userIDByUsername: [String: UserID] = [:]
    /// Every token id, ascending: pages of the unfiltered list without sorting per request.
    private var orderedTokenIDs: [TokenID] = []
    /// Groups, projects and memberships.
    public private(set) var resources = ResourceIndex()
    /// The next ids to hand out; never reused, even after a deletion.
    public private(set) var nextUserID = 1
    public private(set) var nextTokenID = 1
    public private(set) var nextGroupID = 1
    public private(set) var nextProjectID = 1

    /// Changes made since ``beginTransaction()``, in order.
    public private(set) var pendingChanges: [StoreChange] = []
    private var undoLog: [Undo] = []

    private enum Undo: Sendable {
        case user(UserID, User?)
        case token(TokenID, AccessToken?)
        case group(GroupID, Group?)
        case project(ProjectID, Project?)
        case membership(Membership.Key, Membership?)
        case nextIDs(user: Int, token: Int, group: Int, project: Int)
        /// Undone by replaying a change (``record(_:undoneBy:)``).
        case change(StoreChange)
    }

    public init() {}

    // MARK: Queries

    public func user(_ id: UserID) -> User? { users[id] }

    /// Case-insensitive, as GitLab's username lookup.
    public func user(username: String) -> User? {
        userIDByUsername[username.lowercased()].flatMap { users[$0] }
    }

    public func token(_ id: TokenID) -> AccessToken? { tokens[id] }

    public func token(digest: TokenDigest) -> AccessToken? {
        tokenIDByDigest[digest].flatMap { tokens[$0] }
    }

    /// One user's tokens, by ascending id.
    public func tokens(ownedBy user: UserID) -> [AccessToken] {
        (tokenIDsByUser[user] ?? []).compactMap { tokens[$0] }
    }

    /// Every token, by ascending id.
    public func allTokens() -> [AccessToken] {
        orderedTokenIDs.compactMap { tokens[$0] }
    }

    /// The tokens at positions `range` of the id order (clamped): one page of the full list.
    public func tokens(atPositions range: Range<Int>) -> [AccessToken] {
        let clamped = range.clamped(to: 0..<orderedTokenIDs.count)
        return orderedTokenIDs[clamped].compactMap { tokens[$0] }
    }

    /// Every user, by ascending id.
    public func allUsers() -> [User] {
        users.values.sorted { $0.id < $1.id }
    }

    // MARK: Transactions

    public mutating func beginTransaction() {
        pendingChanges.removeAll(keepingCapacity: true)
        undoLog.removeAll(keepingCapacity: true)
        undoLog.append(.nextIDs(user: nextUserID, token: nextTokenID, group: nextGroupID, project: nextProjectID))
    }

    /// Ends the transaction, keeping its effects; returns what it changed.
    @discardableResult
    public mutating func commit() -> [StoreChange] {
        let changes = pendingChanges
        pendingChanges.removeAll()
        undoLog.removeAll()
        return changes
    }

    /// Ends the transaction, undoing everything it did.
    public mutating func rollback() {
        for entry in undoLog.reversed() {
            switch entry {
            case .user(let id, let old): setUser(id, old)
            case .token(let id, let old): setToken(id, old)
            case .change(let undo): apply(undo)
            case .group(let id, let old): setGroup(id, old)
            case .project(let id, let old): setProject(id, old)
            case .membership(let key, let old): resources.setMembership(key, old)
            case .nextIDs(let u, let t, let g, let p):
                nextUserID = u
                nextTokenID = t
                nextGroupID = g
                nextProjectID = p
            }
        }
        pendingChanges.removeAll()
        undoLog.removeAll()
    }

    public mutating func allocateUserID() -> UserID {
        defer { nextUserID += 1 }
        return UserID(nextUserID)
    }

    public mutating func allocateTokenID() -> TokenID {
        defer { nextTokenID += 1 }
        return TokenID(nextTokenID)
    }

    public mutating func allocateGroupID() -> GroupID {
        defer { nextGroupID += 1 }
        return GroupID(nextGroupID)
    }

    public mutating func allocateProjectID() -> ProjectID {
        defer { nextProjectID += 1 }
        return ProjectID(nextProjectID)
    }

    public mutating func put(_ group: Group) {
        undoLog.append(.group(group.id, resources.group(group.id)))
        setGroup(group.id, group)
        pendingChanges.append(.putGroup(group))
    }

    public mutating func put(_ project: Project) {
        undoLog.append(.project(project.id, resources.project(project.id)))
        setProject(project.id, project)
        pendingChanges.append(.putProject(project))
    }

    public mutating func deleteProject(_ id: ProjectID) {
        undoLog.append(.project(id, resources.project(id)))
        setProject(id, nil)
        pendingChanges.append(.deleteProject(id))
    }

    public mutating func put(_ membership: Membership) {
        undoLog.append(.membership(membership.key, resources.memberships[membership.key]))
        resources.setMembership(membership.key, membership)
        pendingChanges.append(.putMembership(membership))
    }

    public mutating func deleteMembership(_ key: Membership.Key) {
        undoLog.append(.membership(key, resources.memberships[key]))
        resources.setMembership(key, nil)
        pendingChanges.append(.deleteMembership(key))
    }

    public mutating func put(_ user: User) {
        undoLog.append(.user(user.id, users[user.id]))
        setUser(user.id, user)
        pendingChanges.append(.putUser(user))
    }

    public mutating func deleteUser(_ id: UserID) {
        undoLog.append(.user(id, users[id]))
        setUser(id, nil)
        pendingChanges.append(.deleteUser(id))
    }

    public mutating func put(_ token: AccessToken) {
        undoLog.append(.token(token.id, tokens[token.id]))
        setToken(token.id, token)
        pendingChanges.append(.putToken(token))
    }

    /// For changes made in `StoreState+…` files: applies `change`, journals it, and on rollback
    /// applies `undo`.
    mutating func record(_ change: StoreChange, undoneBy undo: StoreChange) {
        undoLog.append(.change(undo))
        apply(change)
        pendingChanges.append(change)
    }

    // MARK: Replay

    /// Applies a persisted change without transaction bookkeeping (loading, catching up).
    public mutating func apply(_ change: StoreChange) {
        switch change {
        case .putUser(let user): setUser(user.id, user)
        case .deleteUser(let id): setUser(id, nil)
        case .putToken(let token): setToken(token.id, token)
        case .putGroup(let group): setGroup(group.id, group)
        case .deleteGroup(let id): setGroup(id, nil)
        case .putProject(let project): setProject(project.id, project)
        case .deleteProject(let id): setProject(id, nil)
        case .putMembership(let membership): resources.setMembership(membership.key, membership)
        case .deleteMembership(let key): resources.setMembership(key, nil)
        }
    }

    /// Makes room for about `count` tokens at once (loading a large snapshot), so the indexes
    /// are not rehashed again and again while it loads.
    public mutating func reserveCapacity(tokens count: Int) {
        tokens.reserveCapacity(count)
        tokenIDByDigest.reserveCapacity(count)
        orderedTokenIDs.reserveCapacity(count)
    }

    /// Raises the id counters to at least these values (from a snapshot header).
    public mutating func reserveIDs(nextUserID: Int, nextTokenID: Int, nextGroupID: Int = 1, nextProjectID: Int = 1) {
        self.nextUserID = max(self.nextUserID, nextUserID)
        self.nextTokenID = max(self.nextTokenID, nextTokenID)
        self.nextGroupID = max(self.nextGroupID, nextGroupID)
        self.nextProjectID = max(self.nextProjectID, nextProjectID)
    }

    // MARK: Index maintenance

    private mutating func insertOrdered(_ id: TokenID) {
        if let last = orderedTokenIDs.last, last > id {
            var low = 0
            var high = orderedTokenIDs.count
            while low < high {
                let mid = (low + high) / 2
                if orderedTokenIDs[mid] < id { low = mid + 1 } else { high = mid }
            }
            orderedTokenIDs.insert(id, at: low)
        } else {
            orderedTokenIDs.append(id)
        }
    }

    private func orderedIndex(of id: TokenID) -> Int? {
        var low = 0
        var high = orderedTokenIDs.count
        while low < high {
            let mid = (low + high) / 2
            if orderedTokenIDs[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < orderedTokenIDs.count && orderedTokenIDs[low] == id ? low : nil
    }

    private mutating func setGroup(_ id: GroupID, _ group: Group?) {
        resources.setGroup(id, group)
        if group != nil { nextGroupID = max(nextGroupID, id.rawValue + 1) }
    }

    private mutating func setProject(_ id: ProjectID, _ project: Project?) {
        var namespacePath: String?
        switch project?.namespace {
        case .group(let group): namespacePath = resources.groupPath(group)
        case .user(let user): namespacePath = users[user]?.username
        case nil: break
        }
        resources.setProject(id, project, namespacePath: namespacePath)
        if project != nil { nextProjectID = max(nextProjectID, id.rawValue + 1) }
    }

    private mutating func setUser(_ id: UserID, _ user: User?) {
        if let old = users[id] { userIDByUsername[old.username.lowercased()] = nil }
        users[id] = user
        if let user {
            userIDByUsername[user.username.lowercased()] = id
            nextUserID = max(nextUserID, id.rawValue + 1)
        }
    }

    private mutating func setToken(_ id: TokenID, _ token: AccessToken?) {
        let old = tokens[id]
        if let old {
            tokenIDByDigest[old.digest] = nil
            if old.userID != token?.userID {
                tokenIDsByUser[old.userID]?.removeAll { $0 == id }
            }
        }
        tokens[id] = token
        if old == nil, token != nil { insertOrdered(id) }
        if old != nil, token == nil, let index = orderedIndex(of: id) { orderedTokenIDs.remove(at: index) }
        guard let token else { return }
        tokenIDByDigest[token.digest] = id
        nextTokenID = max(nextTokenID, id.rawValue + 1)
        if old?.userID != token.userID {
            // In place (the dictionary's modify accessor): copying the array per insert would
            // make loading one user's N tokens quadratic.
            if let last = tokenIDsByUser[token.userID]?.last, last > id {
                let index = tokenIDsByUser[token.userID]!.firstIndex { $0 > id }!
                tokenIDsByUser[token.userID]!.insert(id, at: index)
            } else {
                tokenIDsByUser[token.userID, default: []].append(id)
            }
        }
    }
}
