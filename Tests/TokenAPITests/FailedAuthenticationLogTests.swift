import Testing
import TokenAPI
import TokenCore
import TokendTesting

/// Failed authentications reach the audit log in bounded batches, from the API and the gate,
/// and a store that refuses the batch never affects the answers.
struct FailedAuthenticationLogTests {
    @Test func aFloodBecomesABoundedBatch() throws {
        let client = TestClient()
        for index in 0..<2_000 {
            let response = client.request("GET", "/user", token: "glpat-flood\(index)", from: "10.1.\(index % 250).\(index % 3)")
            #expect(response.status == 401)
        }
        #expect(client.application.flushAudit() == FailedAuthentication.eventsPerFlush + 1)
        let events = client.repository.auditEvents.filter { $0.name == .authenticationFailed }
        #expect(events.count == FailedAuthentication.eventsPerFlush + 1)
        #expect(events.reduce(0) { $0 + ($1.count ?? 0) } == 2_000)
        #expect(client.application.flushAudit() == 0, "a batch is written once")
        #expect(!"\(events)".contains("glpat-flood"))
    }

    @Test func theGateRecordsItsRefusals() throws {
        let client = TestClient()
        let alice = try client.createUser("alice")
        let reader = try client.createToken(for: alice, scopes: ["read_api"])
        #expect(client.request("GET", "//-/auth", token: "glpat-nope").status == 401)
        #expect(client.request("GET", "//-/auth/api", token: reader).status == 403)
        client.application.flushAudit()
        let reasons = client.repository.auditEvents.filter { $0.name == .authenticationFailed }.compactMap(\.reason).sorted()
        #expect(reasons == ["scope", "unknown"])
        let scope = client.repository.auditEvents.first { $0.reason == "scope" }
        #expect(scope?.entity == AuditEntity(.user, alice.id.rawValue))
        #expect(scope?.token?.kind == .personal)
    }

    @Test func anExpiredTokenIsNamedWithItsOwner() throws {
        let client = TestClient()
        let alice = try client.createUser("alice")
        let token = try client.createToken(for: alice, expiresAt: client.clock.now.date.adding(days: 1))
        client.clock.advance(minutes: 3 * 24 * 60)
        #expect(client.request("GET", "/user", token: token).status == 401)
        client.application.flushAudit()
        let event = try #require(client.repository.auditEvents.first { $0.name == .authenticationFailed })
        #expect(event.reason == "expired")
        #expect(event.entity == AuditEntity(.user, alice.id.rawValue))
    }

    @Test func aBatchTheStoreRefusesIsDroppedNotFelt() throws {
        struct Refused: Error {}
        let log = FailedAuthenticationLog { _ in throw Refused() }
        log.record(FailedAuthentication.event(.unknown, token: nil, ipAddress: "192.0.2.1", requestID: nil, at: Timestamp(millisecondsSinceEpoch: 0)))
        #expect(log.flush() == 1)
        #expect(log.droppedEvents == 1)
    }
}
