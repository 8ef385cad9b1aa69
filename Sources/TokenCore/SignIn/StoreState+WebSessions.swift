extension StoreState {
    /// Every session (on a partial state, a demand for everything).
    public var webSessions: WebSessionIndex {
        _ = covers(.everything)
        return webSessionRecords
    }

    /// The session with this digest, if any.
    public func webSession(digest: TokenDigest) -> WebSession? {
        guard covers(.everything) else { return nil }
        return webSessionRecords[digest]
    }

    /// Puts a session (new, or its activity updated); a rollback puts back what was there.
    public mutating func put(_ session: WebSession) {
        let undo: StoreChange = webSessionRecords[session.digest].map { .putWebSession($0) } ?? .deleteWebSession(session.digest)
        record(.putWebSession(session), undoneBy: undo)
    }

    /// Keeps `sealed` as the session's flash (replacing one not yet shown); false when the
    /// session is gone.
    @discardableResult
    public mutating func setFlash(_ sealed: String, forSession digest: TokenDigest) -> Bool {
        guard var session = webSession(digest: digest) else { return false }
        session.flash = sealed
        put(session)
        return true
    }

    /// The session's flash, cleared in the same transaction (so two requests never both show it).
    public mutating func takeFlash(ofSession digest: TokenDigest) -> String? {
        guard var session = webSession(digest: digest), let flash = session.flash else { return nil }
        session.flash = nil
        put(session)
        return flash
    }

    /// Ends one session; nothing when there is none.
    public mutating func deleteWebSession(_ digest: TokenDigest) {
        guard let old = webSessionRecords[digest] else { return }
        record(.deleteWebSession(digest), undoneBy: .putWebSession(old))
    }

    /// Ends every session of `user` but `kept` (the one that changed the password); returns
    /// how many ended.
    @discardableResult
    public mutating func endWebSessions(of user: UserID, except kept: TokenDigest? = nil) -> Int {
        var ended = 0
        for session in webSessionRecords.sessions(of: user) where kept.map({ !session.digest.constantTimeEquals($0) }) ?? true {
            deleteWebSession(session.digest)
            ended += 1
        }
        return ended
    }

    /// Ends every session past its idle timeout or lifetime (periodic maintenance); returns how many.
    @discardableResult
    public mutating func removeExpiredWebSessions(_ policy: WebSessionPolicy, now: Timestamp) -> Int {
        let expired = webSessionRecords.byDigest.values.filter { policy.isExpired($0, now: now) }.map(\.digest)
        for digest in expired { deleteWebSession(digest) }
        return expired.count
    }
}
