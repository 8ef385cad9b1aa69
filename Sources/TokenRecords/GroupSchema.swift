package import TokenCore

extension RecordSchema where Record == Group {
    /// A group's fields: the JSON store's lines, the change log, exports, and `tokend.groups`.
    /// Keys sorted. Its shares are child records (``groupShare``), in `tokend.group_shares`.
    package static let group = RecordSchema(
        kind: "group", table: "groups",
        prototype: Group(id: GroupID(0), name: "", path: "", createdAt: Timestamp(millisecondsSinceEpoch: 0)),
        fields: [
            .milliseconds("created_at", required: true, get: { $0.createdAt }, set: { $0.createdAt = $1 }),
            .text("description", get: { $0.description }, set: { $0.description = $1 }),
            .integer("id", required: true, get: { $0.id.rawValue }, set: { $0.id = GroupID($1) }),
            .text("name", required: true, get: { $0.name }, set: { $0.name = $1 }),
            .optionalInteger("parent_id", get: { $0.parentID?.rawValue }, set: { $0.parentID = $1.map { GroupID($0) } }),
            .text("path", required: true, get: { $0.path }, set: { $0.path = $1 }),
            // Only when shared: a group that never was keeps the bytes older releases wrote.
            .children("shared_with", schema: .groupShare, get: { $0.sharedWith }, set: { $0.sharedWith = $1 }),
            .textCode("visibility", get: { $0.visibility }, set: { $0.visibility = $1 }),
        ])
}

extension RecordSchema where Record == GroupLink {
    /// A group's share, inside its record (`"shared_with":[{"access_level":30,"expires_at":null,
    /// "group_id":4}]`) and a row of `tokend.group_shares` (with the group's id and the share's
    /// position). Older releases ignore the list, so they still read the store; they just grant
    /// nothing through shares.
    package static let groupShare = RecordSchema(
        kind: "share", table: "group_shares", primaryKey: ["group_id", "position"],
        prototype: GroupLink(groupID: GroupID(0), accessLevel: .guest),
        fields: [
            .integerCode("access_level", required: true, get: { $0.accessLevel }, set: { $0.accessLevel = $1 }),
            .optionalDate("expires_at", get: { $0.expiresAt }, set: { $0.expiresAt = $1 }),
            .integer("group_id", column: "shared_with_group_id", required: true, get: { $0.groupID.rawValue }, set: { $0.groupID = GroupID($1) }),
        ])
}
