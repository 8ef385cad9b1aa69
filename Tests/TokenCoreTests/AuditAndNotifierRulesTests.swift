#if canImport(Glibc)
import Glibc
#endif
import Testing
import TokenCore
import TokendTesting

/// The pure rules behind the audit log and the notifier: events derived from a transaction's
/// changes, failed authentications folded within a bound, notices due by interval with their
/// backoff, hook URLs and tokens checked, hook tokens sealed.
struct AuditAndNotifierRulesTests {
    let now = Timestamp(iso8601: "2026-06-15T12:00:00Z")!
    let context = AuditContext(actor: AuditActor(userID: UserID(2), name: "Alice"), ipAddress: "192.0.2.1", requestID: "r", time: Timestamp(iso8601: "2026-06-15T12:00:00Z")!)

    @Test func aGroupDeletionIsDescribedByWhatItChanged() throws {
        var fixture = try ManagementFixture()
        let app = fixture.id("top/sub/app")
        fixture.state.beginTransaction()
        fixture.state.put(AccessToken(
            id: fixture.state.allocateTokenID(), userID: fixture.bot.id, name: "deploy", scopes: ["api"], expiresAt: nil, createdAt: now,
            digest: .test("deploy")))
        fixture.state.commit()
        fixture.state.beginTransaction()
        guard case .group(let top) = fixture.id("top") else { Issue.record("no group"); return }
        try ResourceRemoval.deleteGroup(top, by: fixture.caller(fixture.alice), at: now, in: &fixture.state)
        let events = AuditTrail.events(of: fixture.state, context: context)
        // The project bot's token is revoked (the bot itself is part of the token's story), the
        // human memberships go; nothing is said twice.
        let revoked = events.filter { $0.name == .tokenRevoked }
        #expect(revoked.count == 1)
        #expect(revoked.first?.token?.kind == .project)
        #expect(revoked.first?.entity == .resource(app))
        #expect(!events.contains { $0.name == .userDeleted }, "bots are not people")
        #expect(events.filter { $0.name == .memberRemoved }.allSatisfy { $0.target.details == "alice" })
        #expect(events.allSatisfy { $0.actor.userID == UserID(2) && $0.ipAddress == "192.0.2.1" })
        fixture.state.rollback()
    }

    @Test func aRotationIsOneEventAndUsageIsNone() throws {
        var state = StoreState()
        state.beginTransaction()
        let owner = User(id: state.allocateUserID(), username: "alice", name: "Alice", email: "a@x", createdAt: now)
        state.put(owner)
        let issuer = TokenIssuer(secret: TokenSecret(bytes: Array(repeating: 1, count: 32)), random: .seeded(3), clock: .constant(now), settings: .default)
        let first = try issuer.create(TokenRequest(name: "ci", scopes: ["api"], expiresAt: now.date.adding(days: 30)), for: owner, in: &state)
        #expect(AuditTrail.events(of: state, context: context).map(\.name) == [.userCreated, .tokenCreated])
        state.commit()
        state.beginTransaction()
        let second = try issuer.rotate(first.token.id, expiresAt: nil, in: &state)
        let rotation = AuditTrail.events(of: state, context: context)
        #expect(rotation.map(\.name) == [.tokenRotated])
        #expect(rotation.first?.token?.id == second.token.id && rotation.first?.relatedTokens == [first.token.id])
        #expect(!"\(rotation)".contains(second.plaintext))
        state.commit()
        state.beginTransaction()
        state.put(Authentication.usageUpdate(of: second.token, from: "192.0.2.9", now: now.adding(minutes: 30))!)
        #expect(AuditTrail.events(of: state, context: context).isEmpty)
        state.commit()
    }

    @Test func failuresFoldWithinTheBound() {
        var events: [AuditEvent] = []
        for index in 0..<10_000 {
            events.append(FailedAuthentication.event(.unknown, token: nil, ipAddress: "10.0.\(index % 200).\(index % 7)", requestID: nil, at: now))
        }
        let folded = FailedAuthentication.aggregate(events, limit: FailedAuthentication.eventsPerFlush)
        #expect(folded.count == FailedAuthentication.eventsPerFlush + 1)
        #expect(folded.reduce(0) { $0 + ($1.count ?? 0) } == 10_000)
        #expect(folded.last?.reason == "various")
    }

    @Test func intervalsAndBackoffFollowGitLab() {
        #expect(ExpiryInterval.interval(daysLeft: 7, enabled: [.sevenDays]) == .sevenDays)
        #expect(ExpiryInterval.interval(daysLeft: 8, enabled: [.sevenDays]) == nil)
        #expect(ExpiryInterval.interval(daysLeft: 30, enabled: Set(ExpiryInterval.allCases)) == .thirtyDays)
        #expect(ExpiryInterval.interval(daysLeft: 31, enabled: Set(ExpiryInterval.allCases)) == .sixtyDays)
        #expect(ExpiryInterval.interval(daysLeft: 61, enabled: Set(ExpiryInterval.allCases)) == nil)
        let token = AccessToken(id: TokenID(1), userID: UserID(2), name: "t", scopes: ["api"], expiresAt: now.date.adding(days: 3), createdAt: now, digest: .test("t"))
        let hook = Webhook(id: HookID(1), resource: .project(ProjectID(1)), url: "https://h.example/x", createdAt: now)
        var due = ExpiryNotifier.Due(
            key: .init(tokenID: token.id, interval: .sevenDays, hookID: hook.id), token: token, resource: hook.resource, hook: hook, previous: nil)
        var waits: [Int64] = []
        for attempt in 1...5 {
            let notice = ExpiryNotifier.outcome(of: due, status: attempt.isMultiple(of: 2) ? 500 : nil, at: now)
            #expect(notice.attempts == attempt)
            if attempt < 5 {
                #expect(notice.state == .retrying)
                waits.append((notice.nextAttemptAt!.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 60_000)
            } else {
                #expect(notice.state == .gaveUp && notice.nextAttemptAt == nil)
            }
            due.previous = notice
        }
        #expect(waits == [15, 30, 60, 120])
        due.previous = nil
        #expect(ExpiryNotifier.outcome(of: due, status: 204, at: now).state == .delivered)
    }

    @Test(arguments: [
        ("https://hooks.example.com/x?y=1", true), ("http://127.0.0.1:8080/h", true), ("http://[::1]:9/x", true),
        ("ftp://example.com/", false), ("https://user:pw@example.com/", false), ("https://exa mple.com/", false),
        ("https://example.com/\r\nX: y", false), ("https:///path", false), ("https://example.com:99999/", false),
        ("javascript:alert(1)", false), ("https://" + String(repeating: "a", count: 2100) + ".com/", false),
    ])
    func hookURLsAreBoundedAndChecked(_ url: String, _ valid: Bool) {
        #expect((WebhookRules.validateURL(url) != nil) == valid, "\(url)")
    }

    @Test func hookTokensAreSealedUnderTheSecretForTheirHook() {
        let box = WebhookTokenBox(secret: TokenSecret(bytes: Array(repeating: 9, count: 32)), random: .seeded(4))
        let sealed = box.seal("s3cret-token", hook: HookID(3))
        #expect(!Hex.encode(sealed).contains(Hex.encode(Array("s3cret".utf8))))
        #expect(box.isCurrent(sealed))
        #expect(box.open(sealed, hook: HookID(3)) == "s3cret-token")
        #expect(box.open(sealed, hook: HookID(4)) == nil, "moved to another hook's record, it does not open")
        #expect(box.resealed(sealed, hook: HookID(3)) == sealed)
        #expect(box.resealed(sealed, hook: HookID(4)) == nil)
        var altered = sealed
        altered[altered.count - 1] ^= 1
        #expect(box.open(altered, hook: HookID(3)) == nil)
        let other = WebhookTokenBox(secret: TokenSecret(bytes: Array(repeating: 8, count: 32)), random: .seeded(4))
        #expect(other.open(sealed, hook: HookID(3)) == nil)
        #expect(WebhookRules.isValidToken("ok token") && !WebhookRules.isValidToken("bad\r\ntoken"))
    }

    /// Stores written before hook-bound seals hold version 1 seals (nonce, ciphertext, tag, no
    /// associated data): they still open, and seal again into the bound form.
    @Test func versionOneSealsStillOpenAndSealAgainBound() throws {
        let box = WebhookTokenBox(secret: TokenSecret(bytes: Array(repeating: 9, count: 32)), random: .seeded(4))
        // "old-secret" sealed by the version 1 box under that secret, nonce 01…0c.
        let legacy = try #require(Hex.decode("0102030405060708090a0b0c11e4dc07a56832b9fa73eed66d975d78f314e78ef66a44bb4f1f"))
        #expect(!box.isCurrent(legacy))
        #expect(box.open(legacy, hook: HookID(1)) == "old-secret")
        let bound = try #require(box.resealed(legacy, hook: HookID(1)))
        #expect(box.isCurrent(bound) && box.open(bound, hook: HookID(1)) == "old-secret")
        #expect(box.open(bound, hook: HookID(2)) == nil)
    }

    /// GitLab's `UrlBlocker` ranges and the ones tokend adds, by their bytes.
    @Test(arguments: [
        ("0.0.0.0", "unspecified"), ("0.1.2.3", "reserved"), ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private network"), ("172.16.0.1", "private network"), ("172.31.255.255", "private network"),
        ("192.168.4.4", "private network"), ("169.254.169.254", "link-local"), ("100.64.0.1", "shared address space"),
        ("100.127.255.255", "shared address space"), ("192.0.0.8", "IETF protocol assignment"), ("198.18.0.1", "benchmarking"),
        ("198.19.255.255", "benchmarking"), ("224.0.0.1", "multicast"), ("255.255.255.255", "broadcast"), ("240.0.0.1", "reserved"),
        ("::", "unspecified"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private network"),
        ("::127.0.0.1", "IPv4-compatible"), ("::8.8.8.8", "IPv4-compatible"), ("fe80::1", "link-local"), ("febf::1", "link-local"),
        ("fec0::1", "site-local"), ("feff::1", "site-local"), ("fc00::1", "unique local"), ("fd12:3456::1", "unique local"),
        ("ff02::1", "multicast"), ("64:ff9b::7f00:1", "loopback"), ("64:ff9b::a9fe:a9fe", "link-local"),
        ("64:ff9b:1::1", "local-use NAT64"), ("2002:7f00:1::", "loopback"), ("2002:c0a8:101::1", "private network"),
        ("2001:0:4136:e378::1", "Teredo tunnel"),
    ])
    func localAddressesAreRefused(_ address: String, _ reason: String) throws {
        #expect(OutboundAddressRules.localReason(try Self.bytes(address))?.rawValue == reason, "\(address)")
    }

    @Test(arguments: [
        "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1", "192.0.1.1", "192.0.2.1",
        "198.17.255.255", "198.20.0.1", "223.255.255.255", "169.253.0.1", "::ffff:8.8.8.8", "2001:4860:4860::8888",
        "64:ff9b::808:808", "2002:808:808::1", "2001:1::1", "fe7f::1", "2606:4700::1111",
    ])
    func publicAddressesAreAllowed(_ address: String) throws {
        #expect(OutboundAddressRules.localReason(try Self.bytes(address)) == nil, "\(address)")
    }

    /// An address's bytes in network order, through the C library's parser.
    static func bytes(_ text: String) throws -> [UInt8] {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        try #require(inet_pton(AF_INET6, text, &v6) == 1, "\(text)")
        return v6
    }

    @Test(arguments: [
        ("http://127.0.0.1:+80/h", false), ("http://[::1]:+80/h", false), ("http://h:080/x", true), ("http://h:123456/x", false),
        ("http://h/g[1-40]", true), ("http://h/{a,b,c}?x[]=1", true),
    ])
    func hookURLPortsAreDigitsAndBracketsInThePathAreCharacters(_ url: String, _ valid: Bool) {
        #expect((WebhookRules.validateURL(url) != nil) == valid, "\(url)")
    }

    @Test func aRunSharesItsTimeAmongDeliveries() {
        let budget = RunBudget(seconds: 30, start: 1_000)
        #expect(budget.next(10, now: 1_000) == 10)
        #expect(budget.next(10, now: 1_025) == 5, "the run's end cuts the delivery's bound")
        #expect(budget.next(10, now: 1_029.5) == nil, "less than a second left: for the next run")
        #expect(budget.next(0.5, now: 1_029.5) == 0.5)
        #expect(budget.next(10, now: 1_031) == nil)
    }
}
