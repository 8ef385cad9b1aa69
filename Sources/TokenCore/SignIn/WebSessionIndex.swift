/// The sessions of a ``StoreState``: by digest, and each user's, so that blocking or deleting
/// a user ends theirs without a scan.
public struct WebSessionIndex: Sendable {
    private(set) var byDigest: [TokenDigest: WebSession] = [:]
    private var digestsByUser: [UserID: Set<TokenDigest>] = [:]

    public init() {}

    public var count: Int { byDigest.count }

    public subscript(digest: TokenDigest) -> WebSession? { byDigest[digest] }

    /// One user's sessions (any order).
    public func sessions(of user: UserID) -> [WebSession] {
        (digestsByUser[user] ?? []).compactMap { byDigest[$0] }
    }

    /// Every session, oldest first (snapshots and exports write them in a stable order).
    public func all() -> [WebSession] {
        byDigest.values.sorted { ($0.createdAt, $0.digest.hex) < ($1.createdAt, $1.digest.hex) }
    }

    mutating func set(_ digest: TokenDigest, _ session: WebSession?) {
        if let old = byDigest[digest] {
            digestsByUser[old.userID]?.remove(digest)
            if digestsByUser[old.userID]?.isEmpty == true { digestsByUser[old.userID] = nil }
        }
        byDigest[digest] = session
        if let session { digestsByUser[session.userID, default: []].insert(digest) }
    }
}
