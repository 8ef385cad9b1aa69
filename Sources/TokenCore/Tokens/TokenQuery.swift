/// GitLab's PersonalAccessTokensFinder: filters, name search and sort orders, as pure rules.
public struct TokenQuery: Sendable, Hashable {
    public enum State: String, Sendable, CaseIterable {
        case active, inactive
    }

    public var revoked: Bool?
    public var state: State?
    public var createdBefore: Timestamp?
    public var createdAfter: Timestamp?
    public var lastUsedBefore: Timestamp?
    public var lastUsedAfter: Timestamp?
    public var expiresBefore: CivilDate?
    public var expiresAfter: CivilDate?
    public var search: String?
    /// nil keeps id order (GitLab ignores a `sort` it does not know).
    public var sort: TokenSort?

    public init() {}

    /// True when no filter and no known sort order is set: the list is every token by id.
    public var isUnfiltered: Bool {
        revoked == nil && state == nil && createdBefore == nil && createdAfter == nil && lastUsedBefore == nil
            && lastUsedAfter == nil && expiresBefore == nil && expiresAfter == nil && (search ?? "").isEmpty
            && sort == nil
    }

    public func matches(_ token: AccessToken, now: Timestamp) -> Bool {
        matches(token, now: now, search: search.map(NameSearch.init))
    }

    private func matches(_ token: AccessToken, now: Timestamp, search: NameSearch?) -> Bool {
        if let revoked, token.revoked != revoked { return false }
        if let state {
            let active = token.isActive(at: now)
            if (state == .active) != active { return false }
        }
        if let createdBefore, token.createdAt > createdBefore { return false }
        if let createdAfter, token.createdAt < createdAfter { return false }
        if lastUsedBefore != nil || lastUsedAfter != nil {
            guard let last = token.lastUsedAt else { return false }
            if let lastUsedBefore, last > lastUsedBefore { return false }
            if let lastUsedAfter, last < lastUsedAfter { return false }
        }
        if expiresBefore != nil || expiresAfter != nil {
            guard let expires = token.expiresAt else { return false }
            if let expiresBefore, expires >= expiresBefore { return false }
            if let expiresAfter, expires < expiresAfter { return false }
        }
        if let search, !search.matches(token.name) { return false }
        return true
    }

    /// GitLab's fuzzy name search (`Gitlab::SQL::Pattern`): an empty search matches all; one
    /// shorter than 3 characters must equal the whole name (case-insensitively); otherwise every
    /// word of 3+ characters must occur in the name, and when there is none the whole search
    /// must equal the name.
    public struct NameSearch: Sendable {
        private enum Rule: Sendable {
            case everything
            case whole(String)
            case words([SubstringSearch])
        }

        private let rule: Rule

        public init(_ search: String) {
            let query = search.lowercased()
            guard !query.isEmpty else {
                rule = .everything
                return
            }
            let words: [Substring] = query.count >= 3 ? query.split(whereSeparator: \.isWhitespace).filter { $0.count >= 3 } : []
            rule = words.isEmpty ? .whole(query) : .words(words.map(SubstringSearch.init))
        }

        public func matches(_ name: String) -> Bool {
            switch rule {
            case .everything: return true
            case .whole(let query): return name.lowercased() == query
            case .words(let words): return words.allSatisfy { $0.occurs(in: name) }
            }
        }
    }

    public static func nameMatches(_ name: String, search: String) -> Bool {
        NameSearch(search).matches(name)
    }

    /// Filters and orders tokens (already in id order), ties broken by id.
    public func apply(to tokens: [AccessToken], now: Timestamp) -> [AccessToken] {
        let search = self.search.map(NameSearch.init)
        let filtered = tokens.filter { matches($0, now: now, search: search) }
        guard let sort else { return filtered }
        func ordered<T: Comparable>(_ key: (AccessToken) -> T) -> [AccessToken] {
            filtered.sorted { a, b in
                let ka = key(a), kb = key(b)
                if ka != kb { return sort.isDescending ? ka > kb : ka < kb }
                return sort.isDescending ? a.id > b.id : a.id < b.id
            }
        }
        // Nulls sort last ascending and first descending, as PostgreSQL does.
        let farFuture = Int64.max
        switch sort.key {
        case .created: return ordered { $0.createdAt }
        case .id: return ordered { $0.id }
        case .name: return ordered { $0.name.lowercased() }
        case .updated: return ordered { $0.updatedAt }
        case .expires: return ordered { Int64($0.expiresAt?.daysSinceEpoch ?? Int(farFuture / 2)) }
        case .lastUsed: return ordered { $0.lastUsedAt?.millisecondsSinceEpoch ?? farFuture }
        }
    }
}

/// The `sort` values GitLab's PersonalAccessTokensFinder accepts; any other is ignored.
public enum TokenSort: String, Sendable, Hashable, CaseIterable {
    case createdAsc = "created_asc", createdDesc = "created_desc", createdAtAsc = "created_at_asc"
    case createdAtDesc = "created_at_desc", createdDate = "created_date"
    case idAsc = "id_asc", idDesc = "id_desc", nameAsc = "name_asc", nameDesc = "name_desc"
    case updatedAsc = "updated_asc", updatedDesc = "updated_desc", updatedAtAsc = "updated_at_asc"
    case updatedAtDesc = "updated_at_desc", expiresAsc = "expires_asc", expiresDesc = "expires_desc"
    case lastUsedAsc = "last_used_asc", lastUsedDesc = "last_used_desc"

    public enum Key: Sendable { case created, id, name, updated, expires, lastUsed }

    /// What the order compares.
    public var key: Key {
        switch self {
        case .createdAsc, .createdDesc, .createdAtAsc, .createdAtDesc, .createdDate: return .created
        case .idAsc, .idDesc: return .id
        case .nameAsc, .nameDesc: return .name
        case .updatedAsc, .updatedDesc, .updatedAtAsc, .updatedAtDesc: return .updated
        case .expiresAsc, .expiresDesc: return .expires
        case .lastUsedAsc, .lastUsedDesc: return .lastUsed
        }
    }

    /// `created_date` is newest first, like the `_desc` orders.
    public var isDescending: Bool { self == .createdDate || rawValue.hasSuffix("_desc") }
}
