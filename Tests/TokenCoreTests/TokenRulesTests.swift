import Testing
import TokenCore
import TokendTesting

/// Expiry, last-used throttling, validation and rotation, with an injected clock.
struct TokenRulesTests {
    static let noon = Timestamp(iso8601: "2026-06-15T12:00:00Z")!
    let secret = TokenSecret(bytes: Array(repeating: 1, count: 32))

    func issuer(at now: Timestamp = noon, settings: InstanceSettings = .default) -> TokenIssuer {
        TokenIssuer(secret: secret, random: .seeded(3), clock: .constant(now), settings: settings)
    }

    func stateWithUser(admin: Bool = false) -> (StoreState, User) {
        var state = StoreState()
        let user = User(id: state.allocateUserID(), username: "alice", name: "Alice", email: "a@example.com", isAdmin: admin, createdAt: Self.noon)
        state.put(user)
        state.commit()
        return (state, user)
    }

    @Test func aTokenIsExpiredFromMidnightUTCOfItsExpiryDate() {
        let token = AccessToken(id: TokenID(1), userID: UserID(1), name: "t", scopes: ["api"], expiresAt: CivilDate(iso8601: "2026-06-16"), createdAt: Self.noon, digest: .test("d"))
        #expect(!token.isExpired(at: Timestamp(iso8601: "2026-06-15T23:59:59.999Z")!))
        #expect(token.isExpired(at: Timestamp(iso8601: "2026-06-16T00:00:00Z")!))
        #expect(!token.isActive(at: Timestamp(iso8601: "2026-06-16T00:00:00Z")!))
        var never = token
        never.expiresAt = nil
        #expect(!never.isExpired(at: Timestamp(iso8601: "9999-01-01")!))
    }

    @Test func tokensAreGeneratedWithThePrefixAndStoredAsDigests() throws {
        var (state, user) = stateWithUser()
        let issued = try issuer().create(TokenRequest(name: "ci", scopes: ["api"], expiresAt: CivilDate(iso8601: "2026-07-01")), for: user, in: &state)
        #expect(issued.plaintext.hasPrefix("glpat-"))
        #expect(issued.plaintext.count >= 26)
        #expect(issued.token.digest == secret.digest(of: issued.plaintext))
        #expect(issued.token.digest.hex.count == 64)
        #expect(!issued.token.digest.hex.contains(issued.plaintext))
        #expect(state.token(digest: secret.digest(of: issued.plaintext))?.id == issued.token.id)
        #expect(secret.matches(issued.plaintext, digest: issued.token.digest))
        #expect(!secret.matches(issued.plaintext + "x", digest: issued.token.digest))
        #expect(TokenSecret(bytes: Array(repeating: 2, count: 32)).digest(of: issued.plaintext) != issued.token.digest)
    }

    @Test func validationMessagesFollowGitLab() {
        let (_, user) = stateWithUser()
        let issuer = issuer()
        let errors = issuer.validate(TokenRequest(name: "", scopes: [], expiresAt: nil), owner: user)
        #expect(errors.map(\.sentence) == ["Name can't be blank", "Scopes can't be blank", "Expiration date can't be blank"])
        let late = issuer.validate(TokenRequest(name: "n", scopes: ["api", "sudo"], expiresAt: CivilDate(iso8601: "2027-06-16")), owner: user)
        #expect(late.map(\.sentence) == ["Expiration date must be before 2027-06-15", "Sudo can only be enabled for administrators"])
        #expect(issuer.validate(TokenRequest(name: "n", scopes: ["api"], expiresAt: CivilDate(iso8601: "2027-06-15")), owner: user).isEmpty)
        #expect(issuer.validate(TokenRequest(name: "n", scopes: ["nope"], expiresAt: CivilDate(iso8601: "2020-01-01")), owner: user).map(\.sentence) == ["Scopes can only contain available scopes"])
        let relaxed = self.issuer(settings: InstanceSettings(requireExpiry: false))
        #expect(relaxed.validate(TokenRequest(name: "n", scopes: ["api"], expiresAt: nil), owner: user).isEmpty)
    }

    @Test func lastUsedIsThrottledToTenMinutesAndKeepsFiveAddresses() {
        var token = AccessToken(id: TokenID(1), userID: UserID(1), name: "t", scopes: ["api"], expiresAt: nil, createdAt: Self.noon, digest: .test("d"))
        let first = Authentication.usageUpdate(of: token, from: "10.0.0.1", now: Self.noon)
        #expect(first?.lastUsedAt == Self.noon)
        #expect(first?.lastUsedIPs == ["10.0.0.1"])
        token = first!
        #expect(Authentication.usageUpdate(of: token, from: "10.0.0.1", now: Self.noon.adding(minutes: 9)) == nil)
        #expect(Authentication.usageUpdate(of: token, from: "10.0.0.2", now: Self.noon.adding(milliseconds: 30_000)) == nil)
        let newAddress = Authentication.usageUpdate(of: token, from: "10.0.0.2", now: Self.noon.adding(minutes: 2))
        #expect(newAddress?.lastUsedIPs == ["10.0.0.1", "10.0.0.2"])
        #expect(Authentication.usageUpdate(of: token, from: "10.0.0.1", now: Self.noon.adding(minutes: 10))?.lastUsedAt == Self.noon.adding(minutes: 10))
        token.lastUsedIPs = ["1", "2", "3", "4", "5"]
        #expect(Authentication.usageUpdate(of: token, from: "6", now: Self.noon.adding(minutes: 20))?.lastUsedIPs == ["2", "3", "4", "5", "6"])
    }

    @Test func rotationRevokesTheOldTokenAndLinksTheFamily() throws {
        var (state, user) = stateWithUser()
        let issuer = issuer()
        let first = try issuer.create(TokenRequest(name: "ci", description: "d", scopes: ["api", "read_user"], expiresAt: CivilDate(iso8601: "2026-12-01")), for: user, in: &state)
        let second = try issuer.rotate(first.token.id, expiresAt: nil, in: &state)
        #expect(state.token(first.token.id)?.revoked == true)
        #expect(second.token.previousTokenID == first.token.id)
        #expect(second.token.name == "ci")
        #expect(second.token.description == "d")
        #expect(second.token.scopes == ["api", "read_user"])
        #expect(second.token.expiresAt?.iso8601 == "2026-06-22")
        #expect(throws: TokenError.alreadyRevoked) { try issuer.rotate(first.token.id, expiresAt: nil, in: &state) }
    }

    @Test func aFailedRotationChangesNothing() throws {
        var (state, user) = stateWithUser()
        state.beginTransaction()
        let issuer = issuer()
        let first = try issuer.create(TokenRequest(name: "ci", scopes: ["api"], expiresAt: CivilDate(iso8601: "2026-12-01")), for: user, in: &state)
        state.commit()
        state.beginTransaction()
        #expect(throws: TokenError.self) { try issuer.rotate(first.token.id, expiresAt: CivilDate(iso8601: "2030-01-01"), in: &state) }
        state.rollback()
        #expect(state.token(first.token.id)?.revoked == false)
        #expect(state.tokens.count == 1)
        #expect(state.nextTokenID == 2)
    }

    @Test func reuseDetectionRevokesOnlyActiveDescendants() throws {
        var (state, user) = stateWithUser()
        let issuer = issuer()
        let a = try issuer.create(TokenRequest(name: "ci", scopes: ["api"], expiresAt: CivilDate(iso8601: "2026-12-01")), for: user, in: &state)
        let b = try issuer.rotate(a.token.id, expiresAt: nil, in: &state)
        let c = try issuer.rotate(b.token.id, expiresAt: nil, in: &state)
        let unrelated = try issuer.create(TokenRequest(name: "other", scopes: ["api"], expiresAt: nil ?? CivilDate(iso8601: "2026-12-01")), for: user, in: &state)
        let revocations = Authentication.reuseRevocations(for: state.token(a.token.id)!, in: state, now: Self.noon)
        #expect(revocations.map(\.id) == [c.token.id])
        #expect(!revocations.contains { $0.id == unrelated.token.id })
        #expect(Authentication.reuseRevocations(for: state.token(c.token.id)!, in: state, now: Self.noon).isEmpty)
    }

    @Test func lookupChecksExpiryBeforeRevocation() throws {
        var (state, user) = stateWithUser()
        let issued = try issuer().create(TokenRequest(name: "t", scopes: ["api"], expiresAt: CivilDate(iso8601: "2026-06-15")), for: user, in: &state)
        var token = issued.token
        token.revoked = true
        state.put(token)
        #expect(Authentication.lookup(issued.plaintext, secret: secret, in: state, now: Self.noon) == .failure(.expired))
        #expect(Authentication.lookup("glpat-nope", secret: secret, in: state, now: Self.noon) == .failure(.unknownToken))
    }
}
