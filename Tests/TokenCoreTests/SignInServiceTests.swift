import Synchronization
import Testing
import TokenCore
import TokendTesting

/// Signing in, sessions and their ends, with an in-memory store and a clock the tests move.
struct SignInServiceTests {
    /// bcrypt at cost 4 that counts its verifications.
    final class CountingHasher: Sendable {
        let verifications = Atomic(0)
        var hasher: PasswordHasher {
            let base = PasswordHasher.fastForTests
            return PasswordHasher(hash: base.hash) { [self] password, hash in
                verifications.add(1, ordering: .relaxed)
                return base.verify(password, hash)
            }
        }
        var count: Int { verifications.load(ordering: .relaxed) }
    }

    struct Fixture {
        let repository = InMemoryRepository()
        let clock = MutableClock(Timestamp(iso8601: "2026-06-15T12:00:00Z")!)
        let counter = CountingHasher()
        let service: SignInService
        let alice: User

        init(policy: WebSessionPolicy = .default, throttle: SignInThrottle = SignInThrottle(limit: 1000)) throws {
            let hasher = counter.hasher
            service = SignInService(
                secret: TokenSecret(bytes: Array(repeating: 9, count: 32)), random: .seeded(3), hasher: hasher, policy: policy, throttle: throttle)
            let now = clock.now
            alice = try repository.write { state in
                try UserDirectory.create(
                    UserDirectory.NewUser(username: "alice", name: "Alice", email: "Alice@Example.com", passwordHash: hasher.hash("correct horse")),
                    at: now, in: &state)
            }
        }

        func signIn(_ login: String = "alice", _ password: String = "correct horse", from address: String = "192.0.2.1")
            throws -> Result<SignInService.SignedIn, SignInService.Refusal>
        {
            try service.signIn(login: login, password: password, client: .init(address: address), in: repository, now: clock.now)
        }

        func resolve(_ id: String) throws -> SignInService.Resolved? { try service.resolve(sessionID: id, in: repository, now: clock.now) }
    }

    @Test func signsInWithUsernameOrEmailAndResolvesTheSession() throws {
        let f = try Fixture()
        for login in ["alice", "ALICE", "alice@example.com"] {
            let signedIn = try f.signIn(login).get()
            #expect(signedIn.user.id == f.alice.id)
            #expect(WebSessionSecret.isWellFormed(signedIn.sessionID))
            #expect(try f.resolve(signedIn.sessionID)?.user.id == f.alice.id)
        }
        // Only the digest is stored.
        let stored = try f.repository.read { $0.webSessions.all() }
        #expect(stored.count == 3)
        #expect(try f.resolve("A" + String(repeating: "b", count: 42)) == nil)
        let events = f.repository.auditEvents.map(\.name)
        #expect(events.filter { $0 == .authenticatedWithPassword }.count == 3)
    }

    /// A wrong password, an unknown login and a user without a password each cost exactly one
    /// verification and one write, and read the same.
    @Test func everyFailureCostsOneVerification() throws {
        let f = try Fixture()
        let before = f.counter.count
        #expect(try f.signIn("alice", "wrong password") == .failure(.invalidLogin))
        #expect(f.counter.count == before + 1)
        #expect(try f.signIn("nobody", "wrong password") == .failure(.invalidLogin))
        #expect(f.counter.count == before + 2)
        #expect(try f.signIn(String(repeating: "x", count: 10_000), "wrong password") == .failure(.invalidLogin))
        #expect(f.counter.count == before + 3)
        let now = f.clock.now
        try f.repository.write { state in
            _ = try UserDirectory.create(UserDirectory.NewUser(username: "bob", name: "Bob", email: "bob@example.com"), at: now, in: &state)
        }
        // bob has no password: the dummy hash's own password does not sign him in.
        #expect(try f.signIn("bob", "tokend: a password no user has") == .failure(.invalidLogin))
        #expect(f.counter.count == before + 4)
        let failures = f.repository.auditEvents.filter { $0.name == .loginFailedWithStandardAuthentication }
        #expect(failures.count == 4)
        #expect(failures.allSatisfy { $0.reason == "invalid" })
    }

    /// Devise lockable as GitLab sets it: the tenth failure locks for ten minutes; the right
    /// password is refused while locked; the lock lifts by itself.
    @Test func locksAfterTenFailuresForTenMinutes() throws {
        let f = try Fixture()
        for _ in 1...9 { #expect(try f.signIn("alice", "nope nope") == .failure(.invalidLogin)) }
        #expect(try f.repository.read { $0.user(f.alice.id)?.lockedAt } == nil)
        #expect(try f.signIn("alice", "nope nope") == .failure(.invalidLogin))
        let locked = try #require(try f.repository.read { $0.user(f.alice.id) })
        #expect(locked.failedAttempts == 10)
        #expect(locked.lockedAt == f.clock.now)
        #expect(f.repository.auditEvents.filter { $0.name == .userAccessLocked }.count == 1)
        f.clock.advance(minutes: 9)
        #expect(try f.signIn() == .failure(.invalidLogin))
        #expect(f.repository.auditEvents.last?.reason == "locked")
        f.clock.advance(minutes: 1)
        let signedIn = try f.signIn().get()
        #expect(signedIn.user.failedAttempts == 0 && signedIn.user.lockedAt == nil)
    }

    @Test func throttlesEachAddress() throws {
        let f = try Fixture(throttle: SignInThrottle(limit: 10, periodMilliseconds: 60_000))
        for _ in 1...10 { #expect(try f.signIn("nobody", "x", from: "198.51.100.7") == .failure(.invalidLogin)) }
        let verifications = f.counter.count
        #expect(try f.signIn(from: "198.51.100.7") == .failure(.throttled))
        #expect(f.counter.count == verifications)
        #expect(try f.signIn(from: "198.51.100.8").get().user.id == f.alice.id)
        f.clock.advance(minutes: 1)
        #expect(try f.signIn(from: "198.51.100.7").get().user.id == f.alice.id)
    }

    @Test func theThrottleStaysBounded() {
        let throttle = SignInThrottle(limit: 1, periodMilliseconds: 60_000, capacity: 100)
        let now = Timestamp(millisecondsSinceEpoch: 0)
        for index in 0..<1000 { _ = throttle.allow("10.0.\(index / 256).\(index % 256)", now: now) }
        #expect(throttle.trackedAddresses <= 100)
    }

    @Test func sessionsEndWhenIdleOrTooOld() throws {
        let f = try Fixture(policy: WebSessionPolicy(idleTimeoutMinutes: 60, absoluteLifetimeMinutes: 180))
        let idle = try f.signIn().get().sessionID
        f.clock.advance(minutes: 59)
        #expect(try f.resolve(idle) != nil)
        f.clock.advance(minutes: 59)
        #expect(try f.resolve(idle) != nil, "used 59 minutes ago: still within the idle timeout")
        f.clock.advance(minutes: 60)
        #expect(try f.resolve(idle) == nil)
        #expect(try f.repository.read { $0.webSessions.count } == 0, "an expired session is removed when presented")

        let busy = try f.signIn().get().sessionID
        for _ in 0..<5 {
            f.clock.advance(minutes: 30)
            #expect(try f.resolve(busy) != nil)
        }
        f.clock.advance(minutes: 30)
        #expect(try f.resolve(busy) == nil, "three hours after sign-in, however busy")

        // A sign-in removes the user's expired sessions in its write (no sweep under CGI).
        _ = try f.signIn().get()
        f.clock.advance(minutes: 61)
        _ = try f.signIn().get()
        #expect(try f.repository.read { $0.webSessions.count } == 1)
    }

    /// Activity is written at most once a minute.
    @Test func pageViewsAreNotWrites() throws {
        let f = try Fixture()
        let id = try f.signIn().get().sessionID
        let before = try f.repository.read { $0.webSessions.all()[0].lastActiveAt }
        f.clock.advance(minutes: 0)
        _ = try f.resolve(id)
        #expect(try f.repository.read { $0.webSessions.all()[0].lastActiveAt } == before)
        f.clock.advance(minutes: 1)
        _ = try f.resolve(id)
        #expect(try f.repository.read { $0.webSessions.all()[0].lastActiveAt } == f.clock.now)
    }

    @Test func theSweepRemovesExpiredSessions() throws {
        let f = try Fixture(policy: WebSessionPolicy(idleTimeoutMinutes: 10, absoluteLifetimeMinutes: 100))
        _ = try f.signIn().get()
        f.clock.advance(minutes: 5)
        _ = try f.signIn().get()
        f.clock.advance(minutes: 6)
        let now = f.clock.now
        #expect(try f.repository.write { $0.removeExpiredWebSessions(f.service.policy, now: now) } == 1)
        #expect(try f.repository.read { $0.webSessions.count } == 1)
    }

    @Test func oneUserHoldsAtMostAHundredSessions() throws {
        let f = try Fixture()
        let first = try f.signIn().get().sessionID
        for _ in 1..<SignInService.maximumSessionsPerUser {
            f.clock.advance(minutes: 1)
            _ = try f.signIn().get()
        }
        #expect(try f.repository.read { $0.webSessions.count } == SignInService.maximumSessionsPerUser)
        f.clock.advance(minutes: 1)
        let newest = try f.signIn().get().sessionID
        #expect(try f.repository.read { $0.webSessions.count } == SignInService.maximumSessionsPerUser)
        #expect(try f.resolve(first) == nil, "the least recently used one went")
        #expect(try f.resolve(newest) != nil)
    }

    @Test func signOutEndsTheSession() throws {
        let f = try Fixture()
        let id = try f.signIn().get().sessionID
        try f.service.signOut(sessionID: id, in: f.repository)
        #expect(try f.resolve(id) == nil)
    }

    @Test func blockingOrDeletingAUserEndsTheirSessions() throws {
        let f = try Fixture()
        let first = try f.signIn().get().sessionID
        let second = try f.signIn().get().sessionID
        try f.repository.write { state in _ = try UserDirectory.setBlocked(true, f.alice.id, in: &state) }
        #expect(try f.repository.read { $0.webSessions.count } == 0)
        #expect(try f.resolve(first) == nil && f.resolve(second) == nil)
        // Blocked: the right password is refused with GitLab's words, and starts no session.
        #expect(try f.signIn() == .failure(.blocked))
        try f.repository.write { state in _ = try UserDirectory.setBlocked(false, f.alice.id, in: &state) }
        _ = try f.signIn().get()
        let now = f.clock.now
        try f.repository.write { state in try UserDirectory.delete(f.alice.id, at: now, in: &state) }
        #expect(try f.repository.read { $0.webSessions.count } == 0)
    }

    /// A rollback puts ended sessions back.
    @Test func aRolledBackBlockKeepsTheSessions() throws {
        let f = try Fixture()
        let id = try f.signIn().get().sessionID
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try f.repository.write { state in
                _ = try UserDirectory.setBlocked(true, f.alice.id, in: &state)
                throw Abort()
            }
        }
        #expect(try f.resolve(id) != nil)
    }

    @Test func changingThePasswordEndsEveryOtherSession() throws {
        let f = try Fixture()
        let kept = try f.signIn().get()
        let other = try f.signIn().get().sessionID
        let hash = f.service.hasher.hash("battery staple")
        try f.repository.write { state in
            try UserDirectory.setPassword(hash: hash, for: f.alice.id, keeping: kept.session.digest, in: &state)
        }
        #expect(try f.resolve(kept.sessionID) != nil)
        #expect(try f.resolve(other) == nil)
        #expect(try f.signIn() == .failure(.invalidLogin))
        #expect(try f.signIn("alice", "battery staple").get().user.id == f.alice.id)
    }

    @Test func botsAndServiceAccountsCannotSignIn() throws {
        let f = try Fixture()
        let hash = f.service.hasher.hash("bot password")
        let now = f.clock.now
        try f.repository.write { state in
            var bot = User(id: state.allocateUserID(), username: "project_1_bot_ab", name: "bot", email: "b@x", isBot: true, createdAt: now)
            bot.passwordHash = hash
            state.put(bot)
        }
        #expect(try f.signIn("project_1_bot_ab", "bot password") == .failure(.invalidLogin))
        try f.repository.write { state in
            var account = User(id: state.allocateUserID(), username: "service_account_x", name: "sa", email: "sa@x", isServiceAccount: true, createdAt: now)
            account.passwordHash = hash
            state.put(account)
        }
        #expect(try f.signIn("service_account_x", "bot password") == .failure(.invalidLogin), "service accounts cannot sign in either")
        #expect(try f.service.signInTrusted(username: "project_1_bot_ab", client: .init(), in: f.repository, now: now) == .failure(.invalidLogin))
    }

    @Test func theWebServersSignIn() throws {
        let f = try Fixture()
        let now = f.clock.now
        let signedIn = try f.service.signInTrusted(username: "Alice", client: .init(address: "192.0.2.9"), in: f.repository, now: now).get()
        #expect(signedIn.session.method == "web_server")
        #expect(try f.resolve(signedIn.sessionID)?.user.id == f.alice.id)
        #expect(try f.service.signInTrusted(username: "mallory", client: .init(), in: f.repository, now: now) == .failure(.invalidLogin))
        #expect(f.repository.auditEvents.contains { $0.name == .authenticatedWithWebServer })
    }

    @Test(arguments: [
        ("1234567", "is too short (minimum is 8 characters)"), (String(repeating: "é", count: 129), "is too long (maximum is 128 characters)"),
        ("eight\u{0}chars", "is invalid"),
    ])
    func passwordRules(password: String, message: String) {
        #expect(PasswordRules.check(password) == FieldError("password", message))
    }

    @Test func passwordRulesAcceptTheBounds() {
        #expect(PasswordRules.check("12345678") == nil)
        #expect(PasswordRules.check(String(repeating: "é", count: 128)) == nil)
    }

    /// A GitLab `encrypted_password` (Devise, bcrypt cost 10) verifies as it is.
    @Test func verifiesAGitLabHash() {
        let hash = PasswordHasher.bcrypt(cost: 10).hash("5iveL!fe")
        #expect(PasswordHasher.isBcryptHash(hash))
        #expect(hash.hasPrefix("$2"))
        #expect(PasswordHasher.fastForTests.verify("5iveL!fe", hash))
        #expect(!PasswordHasher.fastForTests.verify("5iveL!fE", hash))
    }

    @Test func csrfTokensAreDerivedPerSession() throws {
        let secret = WebSessionSecret(secret: TokenSecret(bytes: Array(repeating: 1, count: 32)))
        let a = secret.digest(of: WebSessionSecret.newID(.seeded(1)))
        let b = secret.digest(of: WebSessionSecret.newID(.seeded(2)))
        let token = secret.csrfToken(for: a)
        #expect(token.utf8.count == 43)
        #expect(secret.checkCSRFToken(token, for: a))
        #expect(!secret.checkCSRFToken(token, for: b))
        #expect(!secret.checkCSRFToken(String(token.dropLast()), for: a))
        #expect(!secret.checkCSRFToken("", for: a))
    }
}
