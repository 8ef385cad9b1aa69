/// GitLab's GroupsFinder for `GET /groups`, `…/subgroups` and `…/descendant_groups`: which
/// groups a caller sees, filtered and ordered, as pure rules. Linear in the store (one
/// ``AccessView``) and the depth of the tree, plus the sort.
public struct GroupQuery: Sendable, Hashable {
    /// `order_by`; `similarity` orders by name (tokend ranks no search matches).
    public enum Order: String, Sendable, CaseIterable {
        case name, path, id, similarity
    }

    /// Children only, or every descendant, of a group.
    public enum Parent: Sendable, Hashable {
        case children(GroupID)
        case descendants(GroupID)
        /// The groups that shared themselves with this one (`GET /groups/:id/groups/shared`).
        case sharingWith(GroupID)
    }

    public var search: String?
    /// Groups where the caller is a direct Owner.
    public var owned = false
    /// Groups where the caller's direct membership is at least this, and their descendants.
    public var minAccessLevel: AccessLevel?
    public var visibility: Visibility?
    /// Public and internal groups too (nil: GitLab's default, true for administrators only).
    public var allAvailable: Bool?
    public var topLevelOnly = false
    /// `skip_groups`.
    public var skipped: Set<GroupID> = []
    public var parent: Parent?
    public var order: Order = .name
    public var ascending = true

    public init() {}

    /// The groups `caller` (nil: anonymous) gets, in order.
    public func apply(in state: borrowing StoreState, caller: Caller?, now: Timestamp) -> [Group] {
        let resources = state.resources
        let view = caller.map { AccessView(of: $0.user.id, in: state, now: now) }
        var direct: [GroupID: AccessLevel] = [:]
        if let caller {
            for membership in resources.memberships(of: caller.user.id) where membership.isActive(at: now) {
                if case .group(let id) = membership.resource { direct[id] = membership.accessLevel }
            }
        }
        let search = self.search.flatMap { $0.isEmpty ? nil : TokenQuery.NameSearch($0) }
        var selected: [Group] = []
        for group in resources.groups.values {
            if skipped.contains(group.id) || (topLevelOnly && group.parentID != nil) { continue }
            if let visibility, group.visibility != visibility { continue }
            let lineage = resources.lineage(of: group.id)
            switch parent {
            case .children(let id)?: if group.parentID != id { continue }
            case .descendants(let id)?: if !lineage.dropFirst().contains(where: { $0.id == id }) { continue }
            case .sharingWith(let id)?: if !group.sharedWith.contains(where: { $0.groupID == id }) { continue }
            case nil: break
            }
            guard isInScope(group, lineage: lineage, caller: caller, direct: direct, level: view?.level(of: .group(group.id))) else { continue }
            if let search {
                let fields = [group.name, group.path, lineage.reversed().map(\.path).joined(separator: "/"),
                              lineage.reversed().map(\.name).joined(separator: " / ")]
                guard fields.contains(where: search.matches) else { continue }
            }
            selected.append(group)
        }
        return sorted(selected)
    }

    /// GroupsFinder's collections: owned, by minimum level, all (administrators), or the
    /// caller's groups plus, with `all_available`, every public and internal one.
    func isInScope(_ group: Group, lineage: [Group], caller: Caller?, direct: [GroupID: AccessLevel], level: AccessLevel?) -> Bool {
        guard let caller else { return !owned && minAccessLevel == nil && group.visibility == .public }
        if owned { return direct[group.id] == .owner }
        if let minAccessLevel { return lineage.contains { (direct[$0.id] ?? .noAccess) >= minAccessLevel } }
        let everything = allAvailable ?? caller.isAdmin
        if caller.isAdmin && everything { return true }
        if (level ?? .noAccess) >= .guest { return true }
        return everything && group.visibility != .private
    }

    /// By the field, then by ascending id (GitLab's tie-breaker for groups).
    func sorted(_ groups: [Group]) -> [Group] {
        func by<T: Comparable>(_ key: (Group) -> T) -> [Group] {
            groups.sorted { a, b in
                let ka = key(a), kb = key(b)
                if ka != kb { return ascending ? ka < kb : ka > kb }
                return a.id < b.id
            }
        }
        switch order {
        case .name, .similarity: return by { $0.name.lowercased() }
        case .path: return by { $0.path.lowercased() }
        case .id: return by { $0.id }
        }
    }
}
