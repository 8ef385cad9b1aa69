import TokenCore

/// The finder parameters of the project, group and user lists, read as Grape declares them
/// (unknown values are "does not have a valid value"; failures join the reader's others).
extension ProjectQuery {
    static func read(from reader: inout ParameterReader) -> ProjectQuery {
        var query = ProjectQuery()
        query.search = reader.string("search", maxLength: RequestLimits.searchTerm)
        query.searchNamespaces = reader.boolean("search_namespaces") ?? false
        query.owned = reader.boolean("owned") ?? false
        query.membership = reader.boolean("membership") ?? false
        query.starred = reader.boolean("starred") ?? false
        query.archived = reader.boolean("archived")
        query.minAccessLevel = reader.accessLevel("min_access_level", allowed: AccessLevel.listFilterLevels)
        query.visibility = reader.oneOf("visibility", RequestContext.visibilityNames).flatMap(Visibility.init(rawValue:))
        query.order = reader.oneOf("order_by", Order.allCases.map(\.rawValue)).flatMap(Order.init(rawValue:)) ?? .createdAt
        query.ascending = reader.oneOf("sort", ["asc", "desc"]) == "asc"
        return query
    }
}

extension GroupQuery {
    static func read(from reader: inout ParameterReader) -> GroupQuery {
        var query = GroupQuery()
        query.search = reader.string("search", maxLength: RequestLimits.searchTerm)
        query.owned = reader.boolean("owned") ?? false
        query.minAccessLevel = reader.accessLevel("min_access_level", allowed: AccessLevel.listFilterLevels)
        query.visibility = reader.oneOf("visibility", RequestContext.visibilityNames).flatMap(Visibility.init(rawValue:))
        query.allAvailable = reader.boolean("all_available")
        query.topLevelOnly = reader.boolean("top_level_only") ?? false
        query.skipped = Set(reader.integerArray("skip_groups")?.map { GroupID($0) } ?? [])
        query.order = reader.oneOf("order_by", Order.allCases.map(\.rawValue)).flatMap(Order.init(rawValue:)) ?? .name
        query.ascending = reader.oneOf("sort", ["asc", "desc"]) != "desc"
        return query
    }
}

extension UserQuery {
    static func read(from reader: inout ParameterReader) -> UserQuery {
        var query = UserQuery()
        query.username = reader.string("username", maxLength: RequestLimits.searchTerm)
        query.search = reader.string("search", maxLength: RequestLimits.searchTerm)
        query.active = reader.boolean("active") ?? false
        query.blocked = reader.boolean("blocked") ?? false
        query.external = reader.boolean("external") ?? false
        query.excludeExternal = reader.boolean("exclude_external") ?? false
        _ = reader.boolean("exclude_internal")
        query.withoutProjectBots = reader.boolean("without_project_bots") ?? false
        query.admins = reader.boolean("admins") ?? false
        query.createdAfter = reader.dateTime("created_after")
        query.createdBefore = reader.dateTime("created_before")
        query.order = reader.oneOf("order_by", Order.allCases.map(\.rawValue)).flatMap(Order.init(rawValue:))
        query.ascending = reader.oneOf("sort", ["asc", "desc"]) == "asc"
        return query
    }
}

extension AccessLevel {
    /// `min_access_level` (GitLab's `Gitlab::Access.all_values`).
    static let listFilterLevels: [AccessLevel] = [.minimalAccess] + memberLevels
}

extension ParameterReader {
    /// Grape's `Array[Integer]` with comma-separated coercion: `ids[]=1&ids[]=2` or `ids=1,2`.
    mutating func integerArray(_ name: String) -> [Int]? {
        guard let items = stringArray(name, commaSeparated: true) else { return nil }
        let numbers = items.compactMap { Int($0) }
        guard numbers.count == items.count else {
            appendError("\(name) is invalid")
            return nil
        }
        return numbers
    }
}
