/// Signing people in and out, with no I/O of its own: a password (username or e-mail), or the
/// web server's word (``signInTrusted(username:client:in:now:)``); the session a browser's cookie
/// names (``resolve(sessionID:in:now:)``); sign-out.
///
/// A password is verified before the write transaction (bcrypt is slow, and the store's lock
/// must not wait for it); inside the write the user is read again, and the outcome counts only
/// if their hash is still the one verified. Every attempt costs one verification and one write,
/// whether the user exists or not: an unknown login is verified against
/// ``PasswordHasher/dummyHash``, a locked or blocked one against their own hash.
public struct SignInService: Sendable {
    public var sessions: WebSessionSecret
    public var random: RandomSource
    public var hasher: PasswordHasher
    public var policy: WebSessionPolicy
    public var throttle: SignInThrottle

    public init(
        secret: TokenSecret, random: RandomSource, hasher: PasswordHasher = .standard, policy: WebSessionPolicy = .default,
        throttle: SignInThrottle = SignInThrottle()
    ) {
        self.sessions = WebSessionSecret(secret: secret)
        self.random = random
        self.hasher = hasher
        self.policy = policy
        self.throttle = throttle
    }

    /// Who is signing in, as the request says: for the session and the audit lines.
    public struct Client: Sendable, Hashable {
        public var address: String?
        public var userAgent: String?
        public var requestID: String?

        public init(address: String? = nil, userAgent: String? = nil, requestID: String? = nil) {
            self.address = address
            self.userAgent = userAgent
            self.requestID = requestID
        }
    }

    /// Why a sign-in was refused. A wrong password, an unknown login, a locked account, a user
    /// without a password and a bot all read the same (Devise's paranoid mode, as GitLab runs it).
    public enum Refusal: Error, Hashable, Sendable {
        case invalidLogin
        /// The password was right, but the user is blocked.
        case blocked
        /// Too many attempts from this address (HTTP 429).
        case throttled

        /// GitLab's words.
        public var message: String {
            switch self {
            case .invalidLogin: return "Invalid login or password."
            case .blocked: return "Your account has been blocked. Please contact your GitLab administrator if you think this is an error."
            case .throttled: return "Retry later"
            }
        }
    }

    /// A new session: what the cookie carries (``sessionID``, returned once, never stored) and
    /// what the store holds.
    public struct SignedIn: Sendable, Hashable {
        public var user: User
        public var session: WebSession
        public var sessionID: String
    }

    /// A session found by its cookie: still there, within its timeouts, its user active.
    public struct Resolved: Sendable, Hashable {
        public var user: User
        public var session: WebSession
    }

    /// The longest login looked up; longer ones are unknown (no user has one).
    public static let maximumLoginLength = 255

    // MARK: Password

    /// Signs in with a username or e-mail address (case-insensitive) and a password. Refusals
    /// are committed (the failed-attempt count, the audit line) and returned, not thrown; what
    /// throws is the store.
    public func signIn(login: String, password: String, client: Client, in repository: any TokenRepository, now: Timestamp) throws
        -> Result<SignedIn, Refusal>
    {
        guard throttle.allow(client.address, now: now) else { return .failure(.throttled) }
        let candidate = login.exceeds(characters: Self.maximumLoginLength) ? nil : try repository.read { Self.find(login, in: $0) }
        let verifiedHash = candidate?.passwordHash ?? hasher.dummyHash
        // Verified for every attempt, so an unknown login costs what a known one does.
        let matches = hasher.verify(password, verifiedHash) && candidate?.passwordHash != nil
        let context = AuditContext(
            actor: candidate.map { AuditActor(userID: $0.id, name: $0.name) } ?? .anonymous, ipAddress: client.address,
            requestID: client.requestID, time: now)
        return try repository.write(.audited(context)) { state -> Result<SignedIn, Refusal> in
            guard let known = candidate, let user = state.user(known.id), user.passwordHash == known.passwordHash else {
                state.recordAudit(Self.failure(login: login, user: nil, reason: "invalid", context))
                return .failure(.invalidLogin)
            }
            if user.isBotUserType {
                state.recordAudit(Self.failure(login: login, user: user, reason: "not_allowed", context))
                return .failure(.invalidLogin)
            }
            guard matches, !AccountLock.isLocked(user, now: now) else {
                let wasLocked = AccountLock.isLocked(user, now: now)
                state.put(AccountLock.failed(user, now: now))
                state.recordAudit(Self.failure(login: login, user: user, reason: wasLocked ? "locked" : "invalid", context))
                return .failure(.invalidLogin)
            }
            guard user.state == .active else {
                state.recordAudit(Self.failure(login: login, user: user, reason: "blocked", context))
                return .failure(.blocked)
            }
            let cleared = AccountLock.succeeded(user)
            if cleared != user { state.put(cleared) }
            let signedIn = startSession(for: cleared, method: "password", client: client, now: now, in: &state)
            state.recordAudit(context.event(.authenticatedWithPassword, entity: Self.entity(user), target: Self.target(user)))
            return .success(signedIn)
        }
    }

    // MARK: The web server's sign-in

    /// Signs in the user the web server vouches for (`REMOTE_USER`, or the operator's header):
    /// an existing, active person, looked up by username. Nothing is verified here: the web
    /// server did that, and its configuration must keep clients from sending the name
    /// themselves (README: "The web server's sign-in").
    public func signInTrusted(username: String, client: Client, in repository: any TokenRepository, now: Timestamp) throws
        -> Result<SignedIn, Refusal>
    {
        let context = AuditContext(actor: .anonymous, ipAddress: client.address, requestID: client.requestID, time: now)
        return try repository.write(.audited(context)) { state -> Result<SignedIn, Refusal> in
            let user = username.exceeds(characters: Self.maximumLoginLength) ? nil : state.user(username: username)
            guard let user, !user.isBotUserType else {
                state.recordAudit(Self.failure(login: username, user: nil, reason: "invalid", context))
                return .failure(.invalidLogin)
            }
            guard user.state == .active else {
                state.recordAudit(Self.failure(login: username, user: user, reason: "blocked", context))
                return .failure(.blocked)
            }
            let signedIn = startSession(for: user, method: "web_server", client: client, now: now, in: &state)
            let actor = AuditContext(actor: AuditActor(userID: user.id, name: user.name), ipAddress: client.address, requestID: client.requestID, time: now)
            state.recordAudit(actor.event(.authenticatedWithWebServer, entity: Self.entity(user), target: Self.target(user)))
            return .success(signedIn)
        }
    }

    // MARK: Sessions

    /// The session a cookie's id names, or nil: unknown, past its idle timeout or lifetime (then
    /// removed), or its user gone, blocked or a bot. Its activity is written when a minute old.
    public func resolve(sessionID: some StringProtocol, in repository: any TokenRepository, now: Timestamp) throws -> Resolved? {
        guard WebSessionSecret.isWellFormed(sessionID) else { return nil }
        let digest = sessions.digest(of: String(sessionID))
        let found = try repository.read { state -> (WebSession, User?)? in
            guard let session = state.webSession(digest: digest) else { return nil }
            return (session, state.user(session.userID))
        }
        guard let (session, user) = found else { return nil }
        guard let user, user.state == .active, !user.isBotUserType, !policy.isExpired(session, now: now) else {
            try repository.write { state in state.deleteWebSession(digest) }
            return nil
        }
        guard let touched = policy.touched(session, now: now) else { return Resolved(user: user, session: session) }
        try repository.write { state in
            // The session as stored now (a flash set since the read stays), its activity moved on.
            guard var current = state.webSession(digest: digest) else { return }
            current.lastActiveAt = max(current.lastActiveAt, touched.lastActiveAt)
            state.put(current)
        }
        return Resolved(user: user, session: touched)
    }

    /// Ends the session the cookie names (sign-out); nothing when there is none.
    public func signOut(sessionID: some StringProtocol, in repository: any TokenRepository) throws {
        guard WebSessionSecret.isWellFormed(sessionID) else { return }
        let digest = sessions.digest(of: String(sessionID))
        try repository.write { state in state.deleteWebSession(digest) }
    }

    /// Sessions one user may hold at once; a sign-in past it ends their least recently used.
    public static let maximumSessionsPerUser = 100

    /// A new session for `user`, put in the transaction; their sessions that expired go in the
    /// same write (a CGI deployment has no worker sweeping them), and past
    /// ``maximumSessionsPerUser`` the least recently used, so no one can make the store grow.
    private func startSession(for user: User, method: String, client: Client, now: Timestamp, in state: inout StoreState) -> SignedIn {
        var live: [WebSession] = []
        for session in state.webSessions.sessions(of: user.id) {
            if policy.isExpired(session, now: now) { state.deleteWebSession(session.digest) } else { live.append(session) }
        }
        if live.count >= Self.maximumSessionsPerUser {
            let oldest = live.sorted { ($0.lastActiveAt, $0.createdAt) < ($1.lastActiveAt, $1.createdAt) }
            for session in oldest.prefix(live.count - Self.maximumSessionsPerUser + 1) { state.deleteWebSession(session.digest) }
        }
        let id = WebSessionSecret.newID(random)
        let session = WebSession(
            digest: sessions.digest(of: id), userID: user.id, createdAt: now, method: method, clientAddress: client.address,
            userAgent: client.userAgent)
        state.put(session)
        return SignedIn(user: user, session: session, sessionID: id)
    }

    // MARK: Lookup and audit

    /// The user a login names: a username, else an e-mail address (both case-insensitive).
    static func find(_ login: String, in state: borrowing StoreState) -> User? {
        if let user = state.user(username: login) { return user }
        guard login.contains("@") else { return nil }
        let email = login.lowercased()
        // E-mail addresses are unique without regard to case (``UserDirectory/create``): one match at most.
        return state.users.values.first { $0.email.lowercased() == email }
    }

    private static func entity(_ user: User) -> AuditEntity { AuditEntity(.user, user.id.rawValue) }
    private static func target(_ user: User) -> AuditTarget { AuditTarget(type: "User", id: user.id.rawValue, details: user.username) }

    /// GitLab's failed-login event: the login as typed (bounded), the user when one matched.
    private static func failure(login: String, user: User?, reason: String, _ context: AuditContext) -> AuditEvent {
        let target = user.map(Self.target) ?? AuditTarget(type: "User", id: nil, details: String(login.prefix(maximumLoginLength)))
        return context.event(.loginFailedWithStandardAuthentication, entity: user.map(Self.entity) ?? .instance, target: target, reason: reason)
    }
}
