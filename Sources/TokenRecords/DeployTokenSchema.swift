package import TokenCore

extension RecordSchema where Record == DeployToken {
    /// A deploy token's fields: the JSON store's lines, the change log, exports, and
    /// `tokend.deploy_tokens` (unique keyed digest). Keys sorted; the project or group is two
    /// fields, its id and its type (`"group"`, `"project"`), as a membership's.
    package static let deployToken = RecordSchema(
        kind: "deploy_token", table: "deploy_tokens",
        prototype: DeployToken(
            id: DeployTokenID(0), resource: .project(ProjectID(0)), name: "", digest: TokenDigest(bytes: [UInt8](repeating: 0, count: 32)),
            scopes: [], createdAt: Timestamp(millisecondsSinceEpoch: 0)),
        fields: [
            .milliseconds("created_at", required: true, get: { $0.createdAt }, set: { $0.createdAt = $1 }),
            .optionalInteger("creator_id", get: { $0.creatorID?.rawValue }, set: { $0.creatorID = $1.map { UserID($0) } }),
            .digest("digest", get: { $0.digest }, set: { $0.digest = $1 }),
            .optionalMilliseconds("expires_at", get: { $0.expiresAt }, set: { $0.expiresAt = $1 }),
            .integer("id", required: true, get: { $0.id.rawValue }, set: { $0.id = DeployTokenID($1) }),
            .text("name", required: true, get: { $0.name }, set: { $0.name = $1 }),
        ] + RecordField.resource(get: { $0.resource }, set: { $0.resource = $1 }) + [
            .boolean("revoked", get: { $0.revoked }, set: { $0.revoked = $1 }),
            .scopes("scopes", get: { $0.scopes }, set: { $0.scopes = $1 }),
            .optionalText("username", get: { $0.customUsername }, set: { $0.customUsername = $1 }),
        ])
}
