package import TokenCore

extension RecordSchema where Record == Membership {
    /// A membership's fields: the JSON store's lines, the change log, exports, and
    /// `tokend.members` (keyed by resource and user). Keys sorted; the resource is two fields,
    /// its id and its type (`"group"`, `"project"`).
    package static let membership = RecordSchema(
        kind: "membership", table: "members", primaryKey: ["resource_type", "resource_id", "user_id"],
        prototype: Membership(resource: .project(ProjectID(0)), userID: UserID(0), accessLevel: .guest, createdAt: Timestamp(millisecondsSinceEpoch: 0)),
        fields: [
            .integerCode("access_level", required: true, get: { $0.accessLevel }, set: { $0.accessLevel = $1 }),
            .milliseconds("created_at", required: true, get: { $0.createdAt }, set: { $0.createdAt = $1 }),
            .optionalInteger("created_by", get: { $0.createdBy?.rawValue }, set: { $0.createdBy = $1.map { UserID($0) } }),
            .optionalDate("expires_at", get: { $0.expiresAt }, set: { $0.expiresAt = $1 }),
        ] + RecordField.resource(get: { $0.resource }, set: { $0.resource = $1 }) + [
            .integer("user_id", required: true, get: { $0.userID.rawValue }, set: { $0.userID = UserID($1) }),
        ])
}
