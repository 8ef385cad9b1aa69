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

    @Test func hookTokensAreSealedUnderTheSecret() {
        let box = WebhookTokenBox(secret: TokenSecret(bytes: Array(repeating: 9, count: 32)), random: .seeded(4))
        let sealed = box.seal("s3cret-token")
        #expect(!Hex.encode(sealed).contains(Hex.encode(Array("s3cret".utf8))))
        #expect(box.open(sealed) == "s3cret-token")
        let other = WebhookTokenBox(secret: TokenSecret(bytes: Array(repeating: 8, count: 32)), random: .seeded(4))
        #expect(other.open(sealed) == nil)
        #expect(WebhookRules.isValidToken("ok token") && !WebhookRules.isValidToken("bad\r\ntoken"))
    }
}
