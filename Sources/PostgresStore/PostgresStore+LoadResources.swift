import TokenCore
import TokenRecords

/// Loading groups (with their shares), projects, memberships, web sessions and deploy tokens from their tables, their columns
/// those of their ``RecordSchema``: a NULL or a value of the wrong type is an error naming its column.
extension PostgresStore {
    func loadResources(on connection: PostgresConnection, into state: inout StoreState, timeout: Int) throws {
        var linksByGroup: [Int: [GroupLink]] = [:]
        try loadRows(of: .groupShare, extra: ["group_id"], orderBy: "group_id, position", on: connection, timeout: timeout) {
            (link, row) throws(PostgresError) in
            linksByGroup[Int(try row.int64(0)), default: []].append(link)
        }
        try loadRows(of: .group, orderBy: "id", on: connection, timeout: timeout) { (group, _) throws(PostgresError) in
            var group = group
            group.sharedWith = linksByGroup[group.id.rawValue] ?? []
            state.apply(.putGroup(group))
        }
        try loadRows(of: .project, orderBy: "id", on: connection, timeout: timeout) { (project, _) throws(PostgresError) in
            state.apply(.putProject(project))
        }
        try loadRows(of: .membership, orderBy: "resource_type, resource_id, user_id", on: connection, timeout: timeout) {
            (membership, _) throws(PostgresError) in state.apply(.putMembership(membership))
        }
        try loadRows(of: .webSession, orderBy: "created_at, digest", on: connection, timeout: timeout) { (session, _) throws(PostgresError) in
            state.apply(.putWebSession(session))
        }
        try loadRows(of: .deployToken, orderBy: "id", on: connection, timeout: timeout) { (token, _) throws(PostgresError) in
            state.apply(.putDeployToken(token))
        }
    }
}
