package import TokenCore

extension RecordSchema where Record == AccessToken {
    /// A token's fields: the JSON store's lines, the change log, exports, and `tokend.tokens`
    /// (whose `family_id` is PostgreSQL's own, derived from `previous_id`). Keys sorted.
    package static let token = RecordSchema(
        kind: "token", table: "tokens",
        prototype: AccessToken(
            id: TokenID(0), userID: UserID(0), name: "", scopes: [], expiresAt: nil,
            createdAt: Timestamp(millisecondsSinceEpoch: 0), digest: TokenDigest(bytes: [UInt8](repeating: 0, count: 32))),
        fields: [
            .milliseconds("created_at", required: true, get: { $0.createdAt }, set: { $0.createdAt = $1 }),
            .optionalText("description", get: { $0.description }, set: { $0.description = $1 }),
            .digest("digest", get: { $0.digest }, set: { $0.digest = $1 }),
            .optionalDate("expires_at", get: { $0.expiresAt }, set: { $0.expiresAt = $1 }),
            .integer("id", required: true, get: { $0.id.rawValue }, set: { $0.id = TokenID($1) }),
            .boolean("impersonation", get: { $0.impersonation }, set: { $0.impersonation = $1 }),
            .optionalMilliseconds("last_used_at", get: { $0.lastUsedAt }, set: { $0.lastUsedAt = $1 }),
            .texts("last_used_ips", get: { $0.lastUsedIPs }, set: { $0.lastUsedIPs = $1 }),
            .text("name", required: true, get: { $0.name }, set: { $0.name = $1 }),
            .optionalInteger(
                "previous_id", column: "previous_token_id", get: { $0.previousTokenID?.rawValue }, set: { $0.previousTokenID = $1.map { TokenID($0) } }),
            .boolean("revoked", get: { $0.revoked }, set: { $0.revoked = $1 }),
            .scopes("scopes", get: { $0.scopes }, set: { $0.scopes = $1 }),
            // Written before updated_at existed: the token was last changed when it was made.
            .milliseconds("updated_at", get: { $0.updatedAt }, set: { $0.updatedAt = $1 }, absent: { $0.updatedAt = $0.createdAt }),
            .integer("user_id", required: true, get: { $0.userID.rawValue }, set: { $0.userID = UserID($1) }),
        ])
}
