/// A signed-in browser: one server-side session, kept in the store so that sign-out, blocking
/// and deleting a user end it on every worker and host.
///
/// The cookie holds a random id (``WebSessionSecret``); the store holds only its keyed digest,
/// as it does for tokens, so a copy of the store signs nobody in.
public struct WebSession: Hashable, Sendable {
    /// HMAC-SHA256 of the cookie's id under the instance secret: the session's key.
    public var digest: TokenDigest
    public var userID: UserID
    public var createdAt: Timestamp
    /// Last request seen, recorded at most once a minute (``WebSessionPolicy/activityGranularityMilliseconds``),
    /// so that page views are not writes.
    public var lastActiveAt: Timestamp
    /// How the session began: `password` or `web_server` (the web server's sign-in).
    public var method: String
    /// The client's address at sign-in, at most ``FieldLimits``-style 64 characters.
    public var clientAddress: String?
    /// The browser's `User-Agent` at sign-in, cut to 255 characters.
    public var userAgent: String?
    /// What the next page shows once (a new token's value after a form, GitLab's flash), sealed
    /// by ``WebSessionSecret/seal(_:forSession:)`` under a key derived from the cookie's id,
    /// which the store never holds: the store cannot read it. Cleared when shown.
    public var flash: String?

    public init(
        digest: TokenDigest, userID: UserID, createdAt: Timestamp, lastActiveAt: Timestamp? = nil, method: String = "password",
        clientAddress: String? = nil, userAgent: String? = nil
    ) {
        self.digest = digest
        self.userID = userID
        self.createdAt = createdAt
        self.lastActiveAt = lastActiveAt ?? createdAt
        self.method = method
        self.clientAddress = clientAddress.map { Self.bounded($0, 64) }
        self.userAgent = userAgent.map { Self.bounded($0, 255) }
    }

    /// `text` cut to `limit` characters (a stored string no client can make longer).
    static func bounded(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit))
    }
}
