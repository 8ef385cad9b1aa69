import Foundation
import JSON
import Testing

/// A store written by an older release, opened by this one: the JSON store as it lies on disk,
/// and a PostgreSQL database at that release's last migration, brought up to date by `tokend
/// store migrate`. The fixtures (`Tests/fixtures/upgrade/<commit>/`, made by that directory's
/// `make` script from the old release's binary) hold the store and the values of the tokens it
/// issued. Afterwards every token answers as it did, the store and its audit chain check out,
/// and this release writes on top.
@Suite(.timeLimit(.minutes(20)))
struct UpgradeTests {
    /// The release the fixtures come from: the last before migrations 4 to 7 (service accounts,
    /// passwords and sessions, deploy tokens, project settings and user profiles).
    static let release = "919c224"
    static let fixtures = LiveServer.packageRoot + "/Tests/fixtures/upgrade/" + release

    /// What the fixture's manifest says of one store.
    struct Expected {
        var admin: String
        var aliceID: Int
        var valid: [String: String]
        var refused: [String: String]

        init(_ manifest: JSONValue?) throws {
            admin = try #require(manifest?["admin"]?.stringValue)
            aliceID = try #require(manifest?["alice_id"]?.intValue)
            valid = try Self.values(manifest?["valid"])
            refused = try Self.values(manifest?["refused"])
        }

        private static func values(_ object: JSONValue?) throws -> [String: String] {
            guard case .object(let fields)? = object else { throw HarnessError("the manifest has no token list") }
            return Dictionary(uniqueKeysWithValues: fields.compactMap { key, value in value.stringValue.map { (key, $0) } })
        }
    }

    static func manifest(_ backend: String) throws -> Expected {
        let text = try String(contentsOfFile: fixtures + "/manifest.json", encoding: .utf8)
        return try Expected(try JSONParser.parse(text)[backend])
    }

    @Test func aJSONStoreOfTheOlderReleaseIsServedAsItWas() throws {
        let expected = try Self.manifest("json")
        let server = try LiveServer(workers: 0, initialize: false)
        defer { server.stop() }
        // Git keeps no file modes but the executable bit: the store's are 0600 and 0700, as
        // the old release left them.
        _ = try LiveServer.run("/bin/cp", ["-R", Self.fixtures + "/json", server.data])
        _ = try LiveServer.run("/bin/chmod", ["-R", "u=rwX,go=", server.data])
        try server.startWorker()
        try server.waitUntilServing(workerExpected: true)
        try checkServedAsBefore(server, expected)
    }

    @Test(.enabled(if: PostgresCluster.unavailable == nil, "PostgreSQL is not installed (scripts/deps test installs it)"))
    func aPostgreSQLDatabaseOfTheOlderReleaseIsMigratedAndServedAsItWas() throws {
        let expected = try Self.manifest("postgres")
        let server = try LiveServer(workers: 0, initialize: false, backend: .postgres)
        defer { server.stop() }
        let url = try #require(server.databaseURL)
        let restored = try LiveServer.run("/usr/bin/psql", ["-v", "ON_ERROR_STOP=1", "-q", "-f", Self.fixtures + "/postgres.sql", url])
        #expect(restored.status == 0, "\(restored.stderr)")
        // Until the migrations run, this release refuses the older schema instead of guessing.
        let early = try LiveServer.run(server.binary, ["store", "check"], environment: server.storeEnvironment)
        #expect(early.status != 0)
        #expect(early.stderr.contains("store migrate"), "\(early.stderr)")
        let migrated = try server.tokend(["store", "migrate"])
        #expect(migrated.contains("4") && migrated.contains("7"), "\(migrated)")
        try server.startWorker()
        try server.waitUntilServing(workerExpected: true)
        try checkServedAsBefore(server, expected)
    }

    /// Every token answers as the old release left it; the records read back; the store and the
    /// audit chain check out; and this release's writes (a rotation, a token, a deploy token)
    /// land beside the old ones and check out too.
    private func checkServedAsBefore(_ server: LiveServer, _ expected: Expected) throws {
        for (name, token) in expected.valid.sorted(by: { $0.key < $1.key }) {
            let answer = try server.request("GET", "/personal_access_tokens/self", token: token)
            #expect(answer.status == 200, "\(name): \(answer.body)")
        }
        for (name, token) in expected.refused.sorted(by: { $0.key < $1.key }) {
            #expect(try server.request("GET", "/personal_access_tokens/self", token: token).status == 401, "\(name)")
        }
        let admin = expected.admin
        let members = try server.request("GET", "/projects/acme%2Fweb/members", token: admin)
        #expect(members.json?.arrayValue?.contains { $0["username"]?.stringValue == "alice" && $0["access_level"]?.intValue == 40 } == true, "\(members.body)")
        let hooks = try server.request("GET", "/projects/acme%2Fweb/hooks", token: admin)
        #expect(hooks.json?.arrayValue?.first?["url"]?.stringValue == "https://hooks.example.com/x", "\(hooks.body)")
        let project = try server.request("GET", "/projects/acme%2Fweb", token: admin)
        // A field the old release did not keep comes back with GitLab's default.
        #expect(project.json?["issues_enabled"] == .bool(true), "\(project.body)")
        try checkStore(server)

        let rotated = try #require(expected.valid["rotated"])
        let next = try server.request("POST", "/personal_access_tokens/self/rotate", token: rotated)
        #expect(next.status == 200, "\(next.body)")
        #expect(try server.request("GET", "/personal_access_tokens/self", token: rotated).status == 401)
        let created = try server.request(
            "POST", "/users/\(expected.aliceID)/personal_access_tokens", token: admin, json: #"{"name":"after","scopes":["read_api"]}"#)
        #expect(created.status == 201, "\(created.body)")
        let deploy = try server.request("POST", "/projects/acme%2Fweb/deploy_tokens", token: admin, json: #"{"name":"pull","scopes":["read_registry"]}"#)
        #expect(deploy.status == 201, "\(deploy.body)")
        try checkStore(server)
    }

    private func checkStore(_ server: LiveServer) throws {
        let check = try LiveServer.run(server.binary, ["store", "check", "--data", server.data], environment: server.storeEnvironment)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let verify = try LiveServer.run(server.binary, ["audit", "verify", "--data", server.data], environment: server.storeEnvironment)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
