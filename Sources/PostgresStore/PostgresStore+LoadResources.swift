import TokenCore

/// Loading groups (with their shares), projects and memberships from their tables, each column
/// read by name: a NULL or a value of the wrong type is an error naming its column.
extension PostgresStore {
    func loadResources(on connection: PostgresConnection, into state: inout StoreState, timeout: Int) throws {
        let shares = try connection.query(
            "SELECT group_id, shared_with_group_id, access_level, expires_at::text AS expires_at FROM tokend.group_shares "
                + "ORDER BY group_id, position", timeoutMilliseconds: timeout)
        let (shareGroup, sharedWith, shareLevel, shareExpiry) = (
            try shares.column("group_id"), try shares.column("shared_with_group_id"), try shares.column("access_level"),
            try shares.column("expires_at")
        )
        var linksByGroup: [Int: [GroupLink]] = [:]
        for row in 0..<shares.rowCount {
            linksByGroup[try shares.decode(Int.self, row, shareGroup), default: []].append(GroupLink(
                groupID: GroupID(try shares.decode(row, sharedWith)), accessLevel: AccessLevel(rawValue: try shares.decode(row, shareLevel)) ?? .guest,
                expiresAt: try shares.decode(String?.self, row, shareExpiry).flatMap(CivilDate.init(iso8601:))))
        }
        let groups = try connection.query(
            "SELECT id, name, path, description, parent_id, visibility, \(unsafeSQL: ms("created_at")) FROM tokend.groups ORDER BY id",
            timeoutMilliseconds: timeout)
        let (groupID, groupName, groupPath, groupDescription) = (
            try groups.column("id"), try groups.column("name"), try groups.column("path"), try groups.column("description")
        )
        let (parent, groupVisibility, groupCreated) = (try groups.column("parent_id"), try groups.column("visibility"), try groups.column("created_at"))
        for row in 0..<groups.rowCount {
            let id = try groups.decode(Int.self, row, groupID)
            state.apply(.putGroup(Group(
                id: GroupID(id), name: try groups.decode(row, groupName), path: try groups.decode(row, groupPath),
                description: try groups.decode(row, groupDescription), parentID: try groups.decode(Int?.self, row, parent).map { GroupID($0) },
                visibility: Visibility(rawValue: try groups.decode(row, groupVisibility)) ?? .private,
                createdAt: Timestamp(millisecondsSinceEpoch: try groups.decode(row, groupCreated)), sharedWith: linksByGroup[id] ?? [])))
        }
        let projects = try connection.query(
            "SELECT id, name, path, description, namespace_kind, namespace_id, visibility, \(unsafeSQL: ms("created_at")) "
                + "FROM tokend.projects ORDER BY id", timeoutMilliseconds: timeout)
        let (projectID, projectName, projectPath, projectDescription) = (
            try projects.column("id"), try projects.column("name"), try projects.column("path"), try projects.column("description")
        )
        let (namespaceKind, namespaceID, projectVisibility, projectCreated) = (
            try projects.column("namespace_kind"), try projects.column("namespace_id"), try projects.column("visibility"),
            try projects.column("created_at")
        )
        for row in 0..<projects.rowCount {
            let namespace = try projects.decode(Int.self, row, namespaceID)
            state.apply(.putProject(Project(
                id: ProjectID(try projects.decode(row, projectID)), name: try projects.decode(row, projectName),
                path: try projects.decode(row, projectPath), description: try projects.decode(String?.self, row, projectDescription),
                namespace: try projects.decode(String.self, row, namespaceKind) == "user" ? .user(UserID(namespace)) : .group(GroupID(namespace)),
                visibility: Visibility(rawValue: try projects.decode(row, projectVisibility)) ?? .private,
                createdAt: Timestamp(millisecondsSinceEpoch: try projects.decode(row, projectCreated)))))
        }
        let members = try connection.query(
            "SELECT resource_type, resource_id, user_id, access_level, expires_at::text AS expires_at, \(unsafeSQL: ms("created_at")), "
                + "created_by FROM tokend.members ORDER BY resource_type, resource_id, user_id", timeoutMilliseconds: timeout)
        let (resourceType, resourceID, memberUser, memberLevel) = (
            try members.column("resource_type"), try members.column("resource_id"), try members.column("user_id"),
            try members.column("access_level")
        )
        let (memberExpiry, memberCreated, createdBy) = (try members.column("expires_at"), try members.column("created_at"), try members.column("created_by"))
        for row in 0..<members.rowCount {
            let resource = try members.decode(Int.self, row, resourceID)
            state.apply(.putMembership(Membership(
                resource: try members.decode(String.self, row, resourceType) == "group" ? .group(GroupID(resource)) : .project(ProjectID(resource)),
                userID: UserID(try members.decode(row, memberUser)), accessLevel: AccessLevel(rawValue: try members.decode(row, memberLevel)) ?? .guest,
                expiresAt: try members.decode(String?.self, row, memberExpiry).flatMap(CivilDate.init(iso8601:)),
                createdAt: Timestamp(millisecondsSinceEpoch: try members.decode(row, memberCreated)),
                createdBy: try members.decode(Int?.self, row, createdBy).map { UserID($0) })))
        }
    }
}
