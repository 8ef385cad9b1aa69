import TokenCore
import TokenRecords

/// Loading groups (with their shares), projects, memberships, web sessions and deploy tokens from their tables, their columns
/// those of their ``RecordSchema``, each read by name: a NULL or a value of the wrong type is an
/// error naming its column.
extension PostgresStore {
    func loadResources(on connection: PostgresConnection, into state: inout StoreState, timeout: Int) throws {
        var linksByGroup: [Int: [GroupLink]] = [:]
        try loadRows(of: .groupShare, extra: "group_id, ", orderBy: "group_id, position", on: connection, timeout: timeout) { link, rows, row in
            linksByGroup[try rows.decode(Int.self, row, rows.column("group_id")), default: []].append(link)
        }
        try loadRows(of: .group, orderBy: "id", on: connection, timeout: timeout) { group in
            var group = group
            group.sharedWith = linksByGroup[group.id.rawValue] ?? []
            state.apply(.putGroup(group))
        }
        try loadRows(of: .project, orderBy: "id", on: connection, timeout: timeout) { state.apply(.putProject($0)) }
        try loadRows(of: .membership, orderBy: "resource_type, resource_id, user_id", on: connection, timeout: timeout) {
            state.apply(.putMembership($0))
        }
        try loadRows(of: .webSession, orderBy: "created_at, digest", on: connection, timeout: timeout) { state.apply(.putWebSession($0)) }
        try loadRows(of: .deployToken, orderBy: "id", on: connection, timeout: timeout) { state.apply(.putDeployToken($0)) }
    }
}
