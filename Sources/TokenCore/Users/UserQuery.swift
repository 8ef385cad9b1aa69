/// GitLab's UsersFinder for `GET /users`, as pure rules: who a caller may list, the filters,
/// and the order. Non-administrators see active users only, and their `created_*`, `order_by`
/// and `sort` are ignored, as GitLab drops them. `external` finds the external users (those an
/// administrator marked, and service accounts, as in GitLab), `exclude_external` leaves them out;
/// tokend has no internal users (GitLab's ghost and support bots), so `exclude_internal` leaves
/// everyone.
public struct UserQuery: Sendable, Hashable {
    public enum Order: String, Sendable, CaseIterable {
        case id, name, username
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    /// Exact, case-insensitive.
    public var username: String?
    /// GitLab's user search: name or username (fuzzy), or the exact e-mail address for
    /// administrators; a leading `@` is ignored.
    public var search: String?
    public var active = false
    public var blocked = false
    public var external = false
    public var excludeExternal = false
    public var withoutProjectBots = false
    /// Administrators only (ignored for others, as in GitLab).
    public var admins = false
    public var createdAfter: Timestamp?
    public var createdBefore: Timestamp?
    /// Administrators only; nil is GitLab's default, the id (non-administrators get the newest
    /// first, or the best search match first).
    public var order: Order?
    public var ascending = false

    public init() {}

    /// The users a caller (an administrator or not) gets, in order.
    public func apply(to users: [User], isAdmin: Bool) -> [User] {
        var term = search.map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 }?.lowercased()
        if term?.isEmpty == true { term = nil }
        let nameSearch = term.map(TokenQuery.NameSearch.init)
        let name = username?.lowercased()
        let selected = users.filter { user in
            if !isAdmin && user.state != .active { return false }
            if let name, user.username.lowercased() != name { return false }
            if active && user.state != .active { return false }
            if blocked && user.state != .blocked { return false }
            if (external && !user.isExternal) || (excludeExternal && user.isExternal) { return false }
            if (withoutProjectBots && user.isBot) || (admins && isAdmin && !user.isAdmin) { return false }
            if isAdmin, let createdAfter, user.createdAt < createdAfter { return false }
            if isAdmin, let createdBefore, user.createdAt > createdBefore { return false }
            if let term, let nameSearch {
                let email = isAdmin && user.email.lowercased() == term
                if !email && !nameSearch.matches(user.name) && !nameSearch.matches(user.username) { return false }
            }
            return true
        }
        if isAdmin { return sorted(selected, by: order ?? .id, ascending: ascending) }
        if let term { return rankedBySearch(selected, term: term) }
        return selected.sorted { $0.id > $1.id }
    }

    /// An administrator's `order_by`/`sort`, ties by id in the same direction.
    func sorted(_ users: [User], by order: Order, ascending: Bool) -> [User] {
        func by<T: Comparable>(_ key: (User) -> T) -> [User] {
            users.sorted { a, b in
                let ka = key(a), kb = key(b)
                if ka != kb { return ascending ? ka < kb : ka > kb }
                return ascending ? a.id < b.id : a.id > b.id
            }
        }
        switch order {
        case .id: return by { _ in 0 }
        case .name: return by { $0.name.lowercased() }
        case .username: return by { $0.username.lowercased() }
        case .createdAt, .updatedAt: return by { $0.createdAt }
        }
    }

    /// `User.search`'s order: an exact username, then an exact name, then the rest; each by
    /// name, then id.
    func rankedBySearch(_ users: [User], term: String) -> [User] {
        func rank(_ user: User) -> Int {
            if user.username.lowercased() == term { return 1 }
            if user.name.lowercased() == term { return 2 }
            return 3
        }
        return users.sorted { a, b in
            let ra = rank(a), rb = rank(b)
            if ra != rb { return ra < rb }
            if a.name != b.name { return a.name < b.name }
            return a.id < b.id
        }
    }
}
