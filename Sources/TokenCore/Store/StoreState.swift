/// Every user and token, with the indexes the request path needs, and the bookkeeping of one
/// transaction: the changes it made (to persist) and how to undo them (to roll back).
///
/// A store backend keeps one `StoreState` current and hands it to domain operations: read-only
/// for reads, `inout` inside a transaction. Domain code mutates it only through `put`/`delete`.
public struct StoreState: Sendable {
    private var userRecords: [UserID: User] = [:]
    private var tokenRecords = TokenTable()
    private var tokenIDsByUser: [UserID: [TokenID]] = [:]
    /// Every token id, ascending: pages of the unfiltered list without sorting per request.
    private var orderedTokenIDs: [TokenID] = []
    /// Groups, projects and memberships.
    private var resourceRecords = ResourceIndex()
    /// Webhooks and the expiry notices sent through them (``StoreState+Webhooks``).
    var webhookRecords = WebhookIndex()
    /// Signed-in browsers' sessions (``StoreState+WebSessions``).
    var webSessionRecords = WebSessionIndex()
    /// Deploy tokens (``StoreState+DeployTokens``).
    var deployTokenRecords = DeployTokenIndex()
    /// The next ids to hand out; never reused, even after a deletion.
    private var nextIDs = (user: 1, token: 1, group: 1, project: 1, hook: 1, deployToken: 1)
    /// Set only on a partial state (``partial(tokens:users:resolvedDigests:resolvedTokenIDs:resolvedUserIDs:)``).
    var coverage: PartialCoverage?

    /// Changes made since ``beginTransaction()``, in order.
    public private(set) var pendingChanges: [StoreChange] = []
    private var undoLog: [Undo] = []
    /// The undo entries of the transactions committed in a batch (``beginBatch()``).
    var batchUndoLog: [Undo]?

    enum Undo: Sendable {
        case user(UserID, User?)
        case token(TokenID, AccessToken?)
        case group(GroupID, Group?)
        case project(ProjectID, Project?)
        case membership(Membership.Key, Membership?)
        case nextIDs(user: Int, token: Int, group: Int, project: Int, hook: Int, deployToken: Int)
        /// Undone by replaying a change (``record(_:undoneBy:)``).
        case change(StoreChange)
    }

    public init() {}

    // MARK: Queries
    //
    // On a partial state, each query first checks that it is covered (``covers(_:)``).

    public var users: [UserID: User] {
        _ = covers(.everything)
        return userRecords
    }

    public var tokens: TokenTable {
        _ = covers(.everything)
        return tokenRecords
    }

    public var resources: ResourceIndex {
        _ = covers(.everything)
        return resourceRecords
    }

    public var nextUserID: Int { covers(.everything) ? nextIDs.user : 0 }
    public var nextTokenID: Int { covers(.everything) ? nextIDs.token : 0 }
    public var nextGroupID: Int { covers(.everything) ? nextIDs.group : 0 }
    public var nextProjectID: Int { covers(.everything) ? nextIDs.project : 0 }
    public var nextHookID: Int { covers(.everything) ? nextIDs.hook : 0 }
    public var nextDeployTokenID: Int { covers(.everything) ? nextIDs.deployToken : 0 }

    public var webhooks: WebhookIndex {
        _ = covers(.everything)
        return webhookRecords
    }

    public func user(_ id: UserID) -> User? {
        guard covers(.user(id)) else { return nil }
        return userRecords[id]
    }

    /// Case-insensitive, as GitLab's username lookup.
    public func user(username: String) -> User? {
        guard covers(.everything) else { return nil }
        return resourceRecords.user(namespace: username).flatMap { userRecords[$0] }
    }

    public func token(_ id: TokenID) -> AccessToken? {
        guard covers(.token(id)) else { return nil }
        return tokenRecords[id]
    }

    public func token(digest: TokenDigest) -> AccessToken? {
        guard covers(.tokenDigest(digest)) else { return nil }
        return tokenRecords.token(digest: digest)
    }

    /// One user's tokens, by ascending id.
    public func tokens(ownedBy user: UserID) -> [AccessToken] {
        guard covers(.everything) else { return [] }
        return (tokenIDsByUser[user] ?? []).compactMap { tokenRecords[$0] }
    }

    /// Every token, by ascending id.
    public func allTokens() -> [AccessToken] {
        guard covers(.everything) else { return [] }
        return orderedTokenIDs.compactMap { tokenRecords[$0] }
    }

    /// The tokens at positions `range` of the id order (clamped): one page of the full list.
    public func tokens(atPositions range: Range<Int>) -> [AccessToken] {
        guard covers(.everything) else { return [] }
        let clamped = range.clamped(to: 0..<orderedTokenIDs.count)
        return orderedTokenIDs[clamped].compactMap { tokenRecords[$0] }
    }

    /// Every user, by ascending id.
    public func allUsers() -> [User] {
        guard covers(.everything) else { return [] }
        return userRecords.values.sorted { $0.id < $1.id }
    }

    // MARK: Transactions

    public mutating func beginTransaction() {
        pendingChanges.removeAll(keepingCapacity: true)
        undoLog.removeAll(keepingCapacity: true)
        undoLog.append(.nextIDs(
            user: nextIDs.user, token: nextIDs.token, group: nextIDs.group, project: nextIDs.project, hook: nextIDs.hook,
            deployToken: nextIDs.deployToken))
    }

    /// Ends the transaction, keeping its effects; returns what it changed.
    @discardableResult
    public mutating func commit() -> [StoreChange] {
        let changes = pendingChanges
        pendingChanges.removeAll()
        batchUndoLog?.append(contentsOf: undoLog)
        undoLog.removeAll()
        return changes
    }

    /// Ends the transaction, undoing everything it did.
    public mutating func rollback() {
        for entry in undoLog.reversed() { undo(entry) }
        pendingChanges.removeAll()
        undoLog.removeAll()
    }

    mutating func undo(_ entry: Undo) {
        switch entry {
        case .user(let id, let old): setUser(id, old)
        case .token(let id, let old): setToken(id, old)
        case .change(let undo): apply(undo)
        case .group(let id, let old): setGroup(id, old)
        case .project(let id, let old): setProject(id, old)
        case .membership(let key, let old): resourceRecords.setMembership(key, old)
        case .nextIDs(let u, let t, let g, let p, let h, let d):
            nextIDs = (u, t, g, p, h, d)
        }
    }

    public mutating func allocateUserID() -> UserID {
        defer { nextIDs.user += 1 }
        return UserID(nextIDs.user)
    }

    public mutating func allocateTokenID() -> TokenID {
        defer { nextIDs.token += 1 }
        return TokenID(nextIDs.token)
    }

    public mutating func allocateGroupID() -> GroupID {
        defer { nextIDs.group += 1 }
        return GroupID(nextIDs.group)
    }

    public mutating func allocateProjectID() -> ProjectID {
        defer { nextIDs.project += 1 }
        return ProjectID(nextIDs.project)
    }

    public mutating func allocateHookID() -> HookID {
        defer { nextIDs.hook += 1 }
        return HookID(nextIDs.hook)
    }

    public mutating func allocateDeployTokenID() -> DeployTokenID {
        defer { nextIDs.deployToken += 1 }
        return DeployTokenID(nextIDs.deployToken)
    }

    /// Records an audit event in the transaction: persisted with its changes, dropped by a
    /// rollback. It changes no record.
    public mutating func recordAudit(_ event: AuditEvent) {
        pendingChanges.append(.audit(event))
    }

    public mutating func put(_ group: Group) {
        undoLog.append(.group(group.id, resourceRecords.group(group.id)))
        setGroup(group.id, group)
        pendingChanges.append(.putGroup(group))
    }

    public mutating func put(_ project: Project) {
        undoLog.append(.project(project.id, resourceRecords.project(project.id)))
        setProject(project.id, project)
        pendingChanges.append(.putProject(project))
    }

    public mutating func deleteProject(_ id: ProjectID) {
        undoLog.append(.project(id, resourceRecords.project(id)))
        setProject(id, nil)
        pendingChanges.append(.deleteProject(id))
    }

    public mutating func put(_ membership: Membership) {
        undoLog.append(.membership(membership.key, resourceRecords.memberships[membership.key]))
        resourceRecords.setMembership(membership.key, membership)
        pendingChanges.append(.putMembership(membership))
    }

    public mutating func deleteMembership(_ key: Membership.Key) {
        undoLog.append(.membership(key, resourceRecords.memberships[key]))
        resourceRecords.setMembership(key, nil)
        pendingChanges.append(.deleteMembership(key))
    }

    /// Puts a user; a user who is not active (blocked) loses every session in the same
    /// transaction, whatever path blocked them.
    public mutating func put(_ user: User) {
        undoLog.append(.user(user.id, userRecords[user.id]))
        setUser(user.id, user)
        pendingChanges.append(.putUser(user))
        if user.state != .active { endWebSessions(of: user.id) }
    }

    /// Deletes a user, and their sessions with them.
    public mutating func deleteUser(_ id: UserID) {
        endWebSessions(of: id)
        undoLog.append(.user(id, userRecords[id]))
        setUser(id, nil)
        pendingChanges.append(.deleteUser(id))
    }

    public mutating func put(_ token: AccessToken) {
        undoLog.append(.token(token.id, tokenRecords[token.id]))
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

    /// The records a transaction changed, as they were before it began (nil: it did not exist),
    /// for the audit trail (``AuditTrail``). Only touched keys appear.
    public func transactionOrigins() -> TransactionOrigins {
        var origins = TransactionOrigins()
        for entry in undoLog {
            switch entry {
            case .token(let id, let old): if origins.tokens[id] == nil { origins.tokens[id] = .some(old) }
            case .user(let id, let old): if origins.users[id] == nil { origins.users[id] = .some(old) }
            case .membership(let key, let old): if origins.memberships[key] == nil { origins.memberships[key] = .some(old) }
            case .change(.putHook(let old)): if origins.hooks[old.id] == nil { origins.hooks[old.id] = .some(old) }
            case .change(.deleteHook(let id)): if origins.hooks[id] == nil { origins.hooks[id] = .some(nil) }
            case .change(.putDeployToken(let old)): if origins.deployTokens[old.id] == nil { origins.deployTokens[old.id] = .some(old) }
            case .change(.deleteDeployToken(let id)): if origins.deployTokens[id] == nil { origins.deployTokens[id] = .some(nil) }
            default: break
            }
        }
        return origins
    }

    // MARK: Replay

    /// Applies a persisted change without transaction bookkeeping (loading, catching up).
    public mutating func apply(_ change: consuming StoreChange) {
        switch change {
        case .putUser(let user): setUser(user.id, user)
        case .deleteUser(let id): setUser(id, nil)
        case .putToken(let token): setToken(token.id, token)
        case .putGroup(let group): setGroup(group.id, group)
        case .deleteGroup(let id): setGroup(id, nil)
        case .putProject(let project): setProject(project.id, project)
        case .deleteProject(let id): setProject(id, nil)
        case .putMembership(let membership): resourceRecords.setMembership(membership.key, membership)
        case .deleteMembership(let key): resourceRecords.setMembership(key, nil)
        case .putHook(let hook):
            webhookRecords.setHook(hook.id, hook)
            nextIDs.hook = max(nextIDs.hook, hook.id.rawValue + 1)
        case .deleteHook(let id): webhookRecords.setHook(id, nil)
        case .putNotice(let notice): webhookRecords.setNotice(notice.key, notice)
        case .deleteNotice(let key): webhookRecords.setNotice(key, nil)
        case .putWebSession(let session): webSessionRecords.set(session.digest, session)
        case .deleteWebSession(let digest): webSessionRecords.set(digest, nil)
        case .putDeployToken(let token):
            nextIDs.deployToken = max(nextIDs.deployToken, token.id.rawValue + 1)
            deployTokenRecords.set(token.id, token)
        case .deleteDeployToken(let id): deployTokenRecords.set(id, nil)
        case .audit: break
        }
    }

    /// Makes room for about `count` tokens at once (loading a large snapshot), so the indexes
    /// are not rehashed again and again while it loads.
    public mutating func reserveCapacity(tokens count: Int) {
        tokenRecords.reserveCapacity(count)
        orderedTokenIDs.reserveCapacity(count)
    }

    /// Starts a bulk load (a snapshot): lookups by digest answer nothing until
    /// ``endBulkLoad()``, which indexes all digests in one pass, much faster than one by one.
    public mutating func beginBulkLoad() {
        tokenRecords.deferDigestIndex()
    }

    public mutating func endBulkLoad() {
        tokenRecords.buildDigestIndex()
    }

    /// Raises the id counters to at least these values (from a snapshot header).
    public mutating func reserveIDs(
        nextUserID: Int, nextTokenID: Int, nextGroupID: Int = 1, nextProjectID: Int = 1, nextHookID: Int = 1, nextDeployTokenID: Int = 1
    ) {
        nextIDs.hook = max(nextIDs.hook, nextHookID)
        nextIDs.deployToken = max(nextIDs.deployToken, nextDeployTokenID)
        nextIDs.user = max(nextIDs.user, nextUserID)
        nextIDs.token = max(nextIDs.token, nextTokenID)
        nextIDs.group = max(nextIDs.group, nextGroupID)
        nextIDs.project = max(nextIDs.project, nextProjectID)
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
        resourceRecords.setGroup(id, group)
        if group != nil { nextIDs.group = max(nextIDs.group, id.rawValue + 1) }
    }

    private mutating func setProject(_ id: ProjectID, _ project: Project?) {
        resourceRecords.setProject(id, project)
        if project != nil { nextIDs.project = max(nextIDs.project, id.rawValue + 1) }
    }

    private mutating func setUser(_ id: UserID, _ user: User?) {
        userRecords[id] = user
        resourceRecords.setUserNamespace(id, user?.username)
        if user != nil { nextIDs.user = max(nextIDs.user, id.rawValue + 1) }
    }

    private mutating func setToken(_ id: TokenID, _ token: consuming AccessToken?) {
        let owner = token?.userID
        let old = tokenRecords.replace(id, with: token)  // moves the record in
        if let old, old.userID != owner {
            tokenIDsByUser[old.userID]?.removeAll { $0 == id }
        }
        if old == nil, owner != nil { insertOrdered(id) }
        if old != nil, owner == nil, let index = orderedIndex(of: id) { orderedTokenIDs.remove(at: index) }
        guard let owner else { return }
        nextIDs.token = max(nextIDs.token, id.rawValue + 1)
        if old?.userID != owner {
            // In place (the dictionary's modify accessor, one hash): copying the array per
            // insert would make loading one user's N tokens quadratic.
            Self.insertAscending(id, into: &tokenIDsByUser[owner, default: []])
        }
    }

    private static func insertAscending(_ id: TokenID, into ids: inout [TokenID]) {
        if let last = ids.last, last > id {
            ids.insert(id, at: ids.firstIndex { $0 > id }!)
        } else {
            ids.append(id)
        }
    }
}
