/// A signed-in browser's session, as a write sees it again inside its transaction: what
/// ``CredentialUse`` is for a token. Blocking the user, deleting them, signing out or a password
/// change elsewhere (any worker, any host) commits before or after this transaction, never
/// between its check and its change.
public struct WebSessionUse: Sendable, Hashable {
    public var digest: TokenDigest
    public var userID: UserID
    public var now: Timestamp
    public var policy: WebSessionPolicy

    public init(digest: TokenDigest, userID: UserID, now: Timestamp, policy: WebSessionPolicy) {
        self.digest = digest
        self.userID = userID
        self.now = now
        self.policy = policy
    }

    /// Why the session no longer acts (as the API's failures: 401, or 403 for a blocked user), or nil.
    func check(in state: borrowing StoreState) -> AuthenticationFailure? {
        guard let session = state.webSession(digest: digest), session.userID == userID, !policy.isExpired(session, now: now),
            let user = state.user(userID), !user.isBotUserType
        else { return .unknownToken }
        return user.state == .active ? nil : .blocked
    }
}
