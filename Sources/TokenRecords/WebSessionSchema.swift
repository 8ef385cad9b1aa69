package import TokenCore

extension RecordSchema where Record == WebSession {
    /// A signed-in browser's session: the JSON store's lines, the change log, and
    /// `tokend.web_sessions`, keyed by the digest of the cookie's id. Keys sorted.
    package static let webSession = RecordSchema(
        kind: "session", table: "web_sessions", primaryKey: ["digest"],
        prototype: WebSession(digest: TokenDigest(bytes: []), userID: UserID(0), createdAt: Timestamp(millisecondsSinceEpoch: 0)),
        fields: [
            .optionalText("client_address", get: { $0.clientAddress }, set: { $0.clientAddress = $1 }),
            .milliseconds("created_at", required: true, get: { $0.createdAt }, set: { $0.createdAt = $1 }),
            .digest("digest", get: { $0.digest }, set: { $0.digest = $1 }),
            .optionalText("flash", get: { $0.flash }, set: { $0.flash = $1 }),
            .milliseconds("last_active_at", get: { $0.lastActiveAt }, set: { $0.lastActiveAt = $1 }, absent: { $0.lastActiveAt = $0.createdAt }),
            .text("method", get: { $0.method }, set: { $0.method = $1 }),
            .optionalText("user_agent", get: { $0.userAgent }, set: { $0.userAgent = $1 }),
            .integer("user_id", required: true, get: { $0.userID.rawValue }, set: { $0.userID = UserID($1) }),
        ])
}
