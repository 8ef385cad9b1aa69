/// GitLab's ProjectsFinder for `GET /projects` and `GET /users/:id/projects`: which projects a
/// caller sees, filtered and ordered, as pure rules. Linear in the store (one ``AccessView``),
/// plus the sort.
public struct ProjectQuery: Sendable, Hashable {
    /// `order_by`. tokend keeps no activity or stars, so `updated_at` and `last_activity_at`
    /// order by creation (what the entity shows) and `star_count` leaves the id order.
    public enum Order: String, Sendable, CaseIterable {
        case id, name, path
        case createdAt = "created_at", updatedAt = "updated_at", lastActivityAt = "last_activity_at"
        case similarity
        case starCount = "star_count"
    }

    public var search: String?
    /// `search_namespaces`: the search also matches the full path.
    public var searchNamespaces = false
    /// Projects in the caller's namespace, or where they are Owner.
    public var owned = false
    /// Projects the caller is a member of (directly or through groups), whatever their visibility.
    public var membership = false
    /// tokend keeps no stars: starred projects are none.
    public var starred = false
    /// tokend archives nothing: `archived=true` finds none, `false` everything.
    public var archived: Bool?
    public var minAccessLevel: AccessLevel?
    public var visibility: Visibility?
    public var order: Order = .createdAt
    public var ascending = false
    /// Only projects in this user's personal namespace (`GET /users/:id/projects`).
    public var personalNamespace: UserID?
    /// Only projects of this group (`GET /groups/:id/projects`), and of its descendants with
    /// ``includeSubgroups``.
    public var group: GroupID?
    public var includeSubgroups = false

    public init() {}

    /// The projects `caller` (nil: anonymous) gets, in order.
    public func apply(in state: borrowing StoreState, caller: Caller?, now: Timestamp) -> [Project] {
        if starred || archived == true { return [] }
        let resources = state.resources
        let view = caller.map { AccessView(of: $0.user.id, in: state, now: now) }
        let search = self.search.flatMap { $0.isEmpty ? nil : TokenQuery.NameSearch($0) }
        var selected: [Project] = []
        for project in resources.projects.values {
            if let personalNamespace, project.namespace != .user(personalNamespace) { continue }
            if let group, !isInGroup(project, group, resources: resources) { continue }
            if let visibility, project.visibility != visibility { continue }
            guard isInScope(project, caller: caller, level: view?.level(of: .project(project.id))) else { continue }
            if let search {
                let fields = [project.name, project.path, project.description ?? ""]
                    + (searchNamespaces ? [resources.fullPath(of: .project(project.id)) ?? ""] : [])
                guard fields.contains(where: search.matches) else { continue }
            }
            selected.append(project)
        }
        return sorted(selected)
    }

    func isInGroup(_ project: Project, _ group: GroupID, resources: ResourceIndex) -> Bool {
        guard case .group(let owner) = project.namespace else { return false }
        return owner == group || (includeSubgroups && resources.lineage(of: owner).contains { $0.id == group })
    }

    /// ProjectsFinder's collections: owned, by minimum level, the caller's memberships, or
    /// everything the caller may read (admins: everything; anonymous: public ones).
    func isInScope(_ project: Project, caller: Caller?, level: AccessLevel?) -> Bool {
        let level = level ?? .noAccess
        guard let caller else { return !owned && !membership && minAccessLevel == nil && project.visibility == .public }
        if owned { return project.namespace == .user(caller.user.id) || level >= .owner }
        if let minAccessLevel { return level >= minAccessLevel }
        if membership { return level >= .guest }
        return caller.isAdmin || project.visibility != .private || level >= .guest
    }

    /// GitLab orders by the field, then by id in the same direction; `created_at` is the id order.
    func sorted(_ projects: [Project]) -> [Project] {
        func by<T: Comparable>(_ key: (Project) -> T) -> [Project] {
            projects.sorted { a, b in
                let ka = key(a), kb = key(b)
                if ka != kb { return ascending ? ka < kb : ka > kb }
                return ascending ? a.id < b.id : a.id > b.id
            }
        }
        switch order {
        case .id, .createdAt, .starCount: return by { _ in 0 }
        case .name, .similarity: return by { $0.name.lowercased() }
        case .path: return by { $0.path.lowercased() }
        case .updatedAt, .lastActivityAt: return by { $0.createdAt }
        }
    }
}
