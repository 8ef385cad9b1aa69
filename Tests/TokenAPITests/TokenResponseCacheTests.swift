@testable import TokenAPI
import HTTPTypes
import JSON
import Testing
import TokenCore
import TokendTesting

/// The answers of `GET /personal_access_tokens/self` and the gate, cached per token: each
/// answer is exactly what the entity and the gate's headers would be written from the record as
/// it is now, whatever changed it, and the cache stays within its bound.
struct TokenResponseCacheTests {
    /// What ``TokenEntity`` writes for the token in the store now: the uncached answer.
    private func expectedSelf(_ client: TestClient, owner: UserID) throws -> String {
        let token = try #require(try client.repository.read { $0.tokens(ownedBy: owner).first })
        var w = JSONWriter()
        TokenEntity.write(token, [.lastUsedIPs], now: client.clock.now, into: &w)
        return w.string
    }

    @Test func selfIsTheRecordAsItIsNowAfterEveryChange() throws {
        let client = TestClient()
        let alice = try client.createUser("alice")
        let token = try client.createToken(for: alice, name: "ci", expiresAt: CivilDate(iso8601: "2026-06-17")!)
        let first = client.request("GET", "/personal_access_tokens/self", token: token, from: "192.0.2.1")
        #expect(first.status == 200)
        #expect(first.body == (try expectedSelf(client, owner: alice.id)))
        #expect(first.header("Content-Type") == "application/json")
        #expect(first.header("X-Content-Type-Options") == "nosniff")
        #expect(first.header("X-Frame-Options") == "SAMEORIGIN")
        // The same record: the same bytes, from the cache.
        #expect(client.request("GET", "/personal_access_tokens/self", token: token, from: "192.0.2.1").body == first.body)
        // A use recorded after the throttle, from a new address: last_used_at and
        // last_used_ips move, and the answer with them.
        client.clock.advance(minutes: 11)
        let moved = client.request("GET", "/personal_access_tokens/self", token: token, from: "192.0.2.2")
        #expect(moved.body != first.body)
        #expect(moved.body == (try expectedSelf(client, owner: alice.id)))
        #expect(moved.json?["last_used_ips"]?.arrayValue?.count == 2)
        // A change made behind the API's back (another worker, a command): renamed in the store.
        try client.repository.write { state in
            var record = state.tokens(ownedBy: alice.id).first!
            record.name = "renamed"
            state.put(record)
        }
        let renamed = client.request("GET", "/personal_access_tokens/self", token: token, from: "192.0.2.2")
        #expect(renamed.json?["name"]?.stringValue == "renamed")
        #expect(renamed.body == (try expectedSelf(client, owner: alice.id)))
        // Revoked: refused, never the cached entity.
        #expect(client.request("DELETE", "/personal_access_tokens/self", token: token).status == 204)
        #expect(client.request("GET", "/personal_access_tokens/self", token: token).status == 401)
    }

    @Test func activeAndExpiredFollowTheClockNotTheCache() throws {
        let cache = TokenResponseCache()
        let token = AccessToken(
            id: TokenID(1), userID: UserID(2), name: "ci", scopes: [.api], expiresAt: CivilDate(iso8601: "2026-06-16")!,
            createdAt: Timestamp(iso8601: "2026-06-01T00:00:00Z")!, digest: TokenDigest(bytes: Array(repeating: 1, count: 32)))
        let before = Timestamp(iso8601: "2026-06-15T23:59:59Z")!
        let after = Timestamp(iso8601: "2026-06-16T00:00:00Z")!
        for now in [before, after, before] {
            var w = JSONWriter()
            TokenEntity.write(token, [.lastUsedIPs], now: now, into: &w)
            #expect(cache.selfEntity(token, now: now) == w.bytes)
        }
    }

    @Test func gateHeadersFollowTheOwner() throws {
        let client = TestClient()
        let alice = try client.createUser("alice")
        let token = try client.createToken(for: alice, scopes: ["read_api", "api"])
        let first = client.request("GET", "//-/auth", token: token)
        #expect(first.status == 204)
        #expect(first.header("X-Tokend-Username") == "alice")
        #expect(first.header("X-Tokend-Scopes") == "read_api,api")
        #expect(client.request("GET", "//-/auth", token: token).header("X-Tokend-Username") == "alice")
        try client.repository.write { state in
            var user = state.user(alice.id)!
            user.username = "alice2"
            state.put(user)
        }
        let renamed = client.request("GET", "//-/auth", token: token)
        #expect(renamed.header("X-Tokend-Username") == "alice2")
        #expect(renamed.header("X-Tokend-User-Id") == String(alice.id.rawValue))
    }

    @Test func holdsAtMostItsCapacity() throws {
        let cache = TokenResponseCache(capacity: 3)
        let now = Timestamp(iso8601: "2026-06-15T12:00:00Z")!
        for id in 1...50 {
            let token = AccessToken(
                id: TokenID(id), userID: UserID(2), name: "t\(id)", scopes: [.api], expiresAt: nil, createdAt: now,
                digest: TokenDigest(bytes: Array(repeating: UInt8(id), count: 32)))
            _ = cache.selfEntity(token, now: now)
            _ = cache.gateFields(for: Credential(token: token, user: User(id: UserID(2), username: "u", name: "U", email: "u@example.com", isAdmin: false, createdAt: now)), botPath: nil)
            #expect(cache.count <= 6)
        }
        #expect(cache.count == 6)
    }
}
