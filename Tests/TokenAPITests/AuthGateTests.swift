@testable import TokenAPI
import HTTPTypes
import InMemoryLogging
import JSON
import Logging
import Synchronization
import Testing
import TokenCore
import TokendTesting

/// The forward-auth gate in-process: the shared scenarios (run through nginx too), and what only
/// an in-process client can see: expiry by the clock, the store writes a check makes, a store
/// that cannot be read, a stored name unfit for a header, metrics labels and logs.
struct AuthGateTests {
    @Test func statusesAndHeaders() throws { try GateScenarios.statusesAndHeaders(TestClient()) }

    @Test func botsAndMembership() throws { try GateScenarios.botsAndMembership(TestClient()) }

    /// Both bot headers are always sent, empty for a person: a proxy that copies a header the
    /// answer lacks may keep the client's own value (Caddy before 2.10).
    @Test func sendsEveryIdentityHeaderEvenWhenEmpty() throws {
        let client = TestClient()
        let (_, token) = try alice(client)
        let answer = client.request("GET", "//-/auth", token: token)
        for name in ["X-Tokend-User-Id", "X-Tokend-Username", "X-Tokend-Token-Id", "X-Tokend-Scopes", "X-Tokend-Bot"] {
            #expect(answer.header(name)?.isEmpty == false, "\(name)")
        }
        #expect(answer.header("X-Tokend-Bot-Project") == "")
        #expect(answer.header("X-Tokend-Bot-Group") == "")
    }

    /// Spellings only an in-process client can send to the gate (nginx drops names with `_`;
    /// Caddy's FastCGI transport folds them into the same `HTTP_*` name as the real ones): each
    /// is refused, before the token is looked at.
    @Test(arguments: ["X_Tokend_User_Id", "x_tokend_scopes", "X-Tokend_Username", "X_TOKEND-BOT", "X-TOKEND-ADMIN"])
    func refusesEverySpellingOfAnIdentityHeader(name: String) throws {
        let client = TestClient()
        let (_, token) = try alice(client)
        let answer = client.request("GET", "//-/auth", token: token, headers: [name: "1"])
        #expect(answer.status == 403)
        #expect(answer.header("X-Tokend-User-Id") == nil)
        #expect(GateHeaders.carriesIdentityHeader([HTTPField.Name(name)!: "1"]))
        for other in ["X-Tokend", "X_Tokend", "X-Tokendx-User-Id", "Y-Tokend-User-Id", "X-Forwarded-User"] {
            #expect(!GateHeaders.carriesIdentityHeader([HTTPField.Name(other)!: "1"]), "\(other)")
        }
    }

    func alice(_ client: TestClient, scopes: [String] = ["read_api"], expiresAt: CivilDate? = nil) throws -> (User, String) {
        let user = try client.createUser("alice")
        return (user, try client.createToken(for: user, scopes: scopes, expiresAt: expiresAt))
    }

    @Test func anExpiredTokenIs401WithTheAPIsBody() throws {
        let client = TestClient()
        let (_, token) = try alice(client, expiresAt: CivilDate(iso8601: "2026-06-16")!)
        #expect(client.request("GET", "//-/auth", token: token).status == 204)
        client.clock.advance(minutes: 24 * 60)
        let expired = client.request("GET", "//-/auth", token: token)
        #expect(expired.status == 401)
        #expect(expired.json?["error_description"] == .string("Token is expired. You can either do re-authorization or token refresh."))
        #expect(expired.header("WWW-Authenticate") == #"Bearer realm="tokend", error="invalid_token""#)
    }

    @Test func impersonationTokensFollowTheInstanceSetting() throws {
        let client = TestClient(settings: InstanceSettings(impersonationEnabled: false))
        let user = try client.createUser("alice")
        let token = try client.createToken(for: user, impersonation: true)
        let refused = client.request("GET", "//-/auth", token: token)
        #expect(refused.status == 401)
        #expect(refused.json?["error"] == .string("invalid_token"))
    }

    /// Every check is a use of the token, recorded with GitLab's throttle: the first check
    /// writes, further checks within ten minutes from the same address write nothing.
    @Test func recordsUseWithoutAWriteOnTheCommonPath() throws {
        let counter = Counter()
        let client = TestClient { CountingRepository($0, counter: counter) }
        let (user, token) = try alice(client)
        let before = counter.writes
        #expect(client.request("GET", "//-/auth", token: token, from: "192.0.2.7").status == 204)
        #expect(counter.writes == before + 1)
        let recorded = try #require(try client.repository.read { $0.tokens(ownedBy: user.id).first })
        #expect(recorded.lastUsedAt == client.clock.now)
        #expect(recorded.lastUsedIPs == ["192.0.2.7"])
        for _ in 0..<5 { #expect(client.request("GET", "//-/auth/read_api", token: token, from: "192.0.2.7").status == 204) }
        #expect(counter.writes == before + 1)
        client.clock.advance(minutes: 11)
        #expect(client.request("GET", "//-/auth", token: token, from: "192.0.2.7").status == 204)
        #expect(counter.writes == before + 2)
        // Refusals write nothing either.
        _ = client.request("GET", "//-/auth/api", token: token)
        _ = client.request("GET", "//-/auth", token: token + "x")
        _ = client.request("GET", "//-/auth")
        #expect(counter.writes == before + 2)
    }

    /// Fail closed: a store that cannot be read answers 503, never 204; a store that cannot
    /// record the use still lets a valid token through (best effort, as GitLab's LastUsedService).
    @Test func failsClosedWhenTheStoreCannotBeRead() throws {
        let broken = Flag()
        let client = TestClient { base in UnreadableRepository(base, broken: broken) }
        let (_, token) = try alice(client)
        broken.set()
        let answer = client.request("GET", "//-/auth", token: token)
        #expect(answer.status == 503)
        #expect(answer.header("X-Tokend-User-Id") == nil)
    }

    @Test func aValidTokenPassesWhenItsUseCannotBeRecorded() throws {
        var faulty: FaultyRepository?
        let client = TestClient { base in
            let wrapped = FaultyRepository(base)
            faulty = wrapped
            return wrapped
        }
        let (_, token) = try alice(client)
        try #require(faulty).refuseWrites(with: RepositoryError(.full, "no space left on the test device"))
        #expect(client.request("GET", "//-/auth", token: token).status == 204)
    }

    /// A stored name the gate cannot vouch for in a header (one that bypassed validation) is a
    /// refusal, never a 204 without the name.
    @Test func refusesWhatItCannotPutInAHeader() throws {
        let client = TestClient()
        let user = try client.createUser("alice")
        let token = try client.createToken(for: user)
        try client.repository.write { state in
            var renamed = user
            renamed.username = "alice\r\nX-Tokend-User-Id: 1"
            state.put(renamed)
        }
        let answer = client.request("GET", "//-/auth", token: token)
        #expect(answer.status == 500)
        #expect(answer.header("X-Tokend-Username") == nil)
        #expect(GateHeaders.checked("acme/web") == "acme/web")
        for bad in ["a b", "a\u{0}b", "a\rb", "a\nb", "é", String(repeating: "a", count: GateHeaders.maximumValueLength + 1)] {
            #expect(GateHeaders.checked(bad) == nil)
        }
    }

    /// Nothing rotates at the gate, so a rotated-away token presented there is a plain 401: its
    /// successor keeps working (on a rotate endpoint, the same token would revoke the family).
    @Test func detectsNoReuse() throws {
        let client = TestClient()
        let (_, old) = try alice(client, scopes: ["api"])
        let rotated = client.request("POST", "/personal_access_tokens/self/rotate", token: old)
        let new = try #require(rotated.json?["token"]?.stringValue, "\(rotated.body)")
        #expect(client.request("GET", "//-/auth", token: old).status == 401)
        #expect(client.request("GET", "//-/auth", token: new).status == 204)
        #expect(client.request("GET", "/personal_access_tokens/self", token: new).status == 200)
    }

    /// The gate vouches for the token's owner only: `Sudo` (header or parameter) changes nothing.
    @Test func ignoresSudo() throws {
        let client = TestClient()
        _ = try alice(client)
        let admin = try client.rootToken(scopes: ["api", "sudo"])
        let answer = client.request("GET", "//-/auth?sudo=alice", token: admin, headers: ["Sudo": "alice"])
        #expect(answer.status == 204)
        #expect(answer.header("X-Tokend-Username") == "root")
        #expect(answer.header("X-Tokend-User-Id") == "1")
    }

    @Test func metricsLabelTheGateByTemplateOnly() throws {
        let client = TestClient()
        let (_, token) = try alice(client)
        _ = client.request("GET", "//-/auth", token: token)
        _ = client.request("GET", "//-/auth/read_api+write_repository", token: token)
        _ = client.request("GET", "//-/auth/\(token)")
        _ = client.request("GET", "//-/auth?project=secret-\(token)", token: token)
        let text = client.request("GET", "//-/metrics").body
        #expect(text.contains(#"tokend_http_requests_total{method="GET",route="/-/auth",status="204"} 1"#))
        #expect(text.contains(#"tokend_http_requests_total{method="GET",route="/-/auth",status="403"} 1"#))
        #expect(text.contains(#"tokend_http_requests_total{method="GET",route="/-/auth/:scopes",status="403"} 1"#))
        #expect(text.contains(#"tokend_http_requests_total{method="GET",route="/-/auth/:scopes",status="400"} 1"#))
        #expect(!text.contains("glpat-"))
        #expect(!text.contains("secret"))
    }

    /// The gate answers any client address (it guards other services), unlike the health checks.
    @Test func answersEveryClientAddress() throws {
        let client = TestClient()
        let (_, token) = try alice(client)
        #expect(client.request("GET", "//-/auth", token: token, from: "203.0.113.9").status == 204)
        #expect(client.request("GET", "//-/health", from: "203.0.113.9").status == 404)
        #expect(client.request("GET", "//-/authx", token: token).status == 404)
    }

    @Test func logsNoTokenOnAnyPath() throws {
        let logs = InMemoryLogHandler()
        var faulty: FaultyRepository?
        let client = TestClient(logger: Logger(label: "test") { _ in logs }) { base in
            let wrapped = FaultyRepository(base)
            faulty = wrapped
            return wrapped
        }
        let (_, token) = try alice(client)
        try #require(faulty).refuseWrites(with: RepositoryError(.failed, "fsync failed on the test device"))
        _ = client.request("GET", "//-/auth", token: token)
        _ = client.request("GET", "//-/auth", headers: ["Authorization": GateScenarios.basic("git", token)])
        _ = client.request("GET", "//-/auth", token: token + "x")
        try #require(faulty).refuseWrites(with: nil)
        let admin = try client.rootToken(scopes: ["api"])
        _ = client.request("POST", "/admin/token", token: admin, json: #"{"token":"\#(token)"}"#)
        _ = client.request("DELETE", "/admin/token", token: admin, json: #"{"token":"\#(token)"}"#)
        _ = client.request("DELETE", "/admin/token", token: admin, json: #"{"token":"\#(token)x"}"#)
        let text = logs.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(text.contains("token revoked by value"), "the revocation is logged (by id)")
        for secret in [token, admin, String(token.dropFirst(6).prefix(12))] { #expect(!text.contains(secret)) }
    }

    @Test(arguments: [
        ("Basic Z2l0OmdscGF0LXNlY3JldA==", "git", "glpat-secret"),
        ("basic Z2l0OmdscGF0LXNlY3JldA", "git", "glpat-secret"),
        ("BASIC   OnBhc3M6d29yZA==", "", "pass:word"),
    ])
    func readsBasicCredentials(header: String, user: String, password: String) {
        #expect(BasicCredentials(authorization: header) == BasicCredentials(user: user, password: password))
    }

    @Test(arguments: ["Bearer Z2l0OnBhc3M=", "Basic Z2l0", "Basic Z2l0OnBhc3M=x", "Basic Z2l0OnBhc3M===", "Basic Z2l0 OnBhc3M=", "Basic", "Basic Z2l0OnBhc3N=", "Basic /w=="])
    func refusesMalformedBasicCredentials(header: String) {
        #expect(BasicCredentials(authorization: header) == nil)
    }
}

/// Counts the writes the application makes.
final class Counter: Sendable {
    private let count = Mutex(0)
    var writes: Int { count.withLock { $0 } }
    func add() { count.withLock { $0 += 1 } }
}

/// A repository that counts writes.
final class CountingRepository: TokenRepository {
    let base: any TokenRepository
    let counter: Counter
    init(_ base: any TokenRepository, counter: Counter) {
        self.base = base
        self.counter = counter
    }
    func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T { try base.read(body) }
    func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T {
        counter.add()
        return try base.writeWithoutTransaction(work)
    }
}

/// A switch tests flip.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// A repository whose reads fail once `broken` is set, as an unreadable store does.
final class UnreadableRepository: TokenRepository {
    let base: any TokenRepository
    let broken: Flag
    init(_ base: any TokenRepository, broken: Flag) {
        self.base = base
        self.broken = broken
    }
    func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T {
        if broken.isSet { throw RepositoryError(.failed, "the test store cannot be read") }
        return try base.read(body)
    }
    func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T {
        try base.writeWithoutTransaction(work)
    }
}
