import Foundation
import JSON
import Testing

/// `tokend store export` and `tokend store import` between the backends: a JSON store moved to
/// PostgreSQL and back keeps every record and digest (the three exports are byte for byte the
/// same, with the same counts and checksum), and its tokens and webhooks keep working on each.
@Suite(
    .timeLimit(.minutes(20)),
    .enabled(if: PostgresCluster.unavailable == nil, "PostgreSQL is not installed (scripts/deps test installs it)"))
struct StoreTransferTests {
    @Test func jsonToPostgresToJSONKeepsEveryRecordAndDigest() throws {
        // A JSON store with one of everything: users, a bot, groups with a share, projects,
        // members, rotated, revoked and used tokens.
        let source = try LiveServer()
        defer { source.stop() }
        let admin = try source.createToken(name: "admin", scopes: "api")
        let alice = try source.createUser("alice")
        let aliceToken = try source.createToken(user: "alice", name: "ci", scopes: "api,read_user")
        let rotated = try #require(try source.request("POST", "/personal_access_tokens/self/rotate", token: aliceToken).json?["token"]?.stringValue)
        _ = try source.request("POST", "/groups", token: admin, form: "name=Acme&path=acme")
        _ = try source.request("POST", "/groups", token: admin, form: "name=Ops&path=ops")
        _ = try source.request("POST", "/groups/acme/share", token: admin, form: "group_id=2&group_access=30")
        _ = try source.request("POST", "/projects", token: admin, form: "name=Web&namespace_id=acme")
        _ = try source.request("POST", "/projects/acme%2Fweb/members", token: admin, form: "user_id=\(alice)&access_level=30")
        let bot = try #require(try source.request("POST", "/projects/acme%2Fweb/access_tokens", token: admin, json: #"{"name":"deploy","scopes":["api"]}"#).json?["token"]?.stringValue)
        let hook = try source.request(
            "POST", "/projects/acme%2Fweb/hooks", token: admin, form: "url=https://hooks.example.com/x&token=s3cret&resource_access_token_events=true")
        #expect(hook.status == 201, "\(hook.body)")
        // Deploy tokens: one in use, one deleted (its id stays taken), one of a group.
        let deploy = try source.request("POST", "/projects/acme%2Fweb/deploy_tokens", token: admin, json: #"{"name":"pull","scopes":["read_registry"],"expires_at":"2999-01-01"}"#)
        let deployToken = try #require(deploy.json?["token"]?.stringValue, "\(deploy.body)")
        let deployUser = try #require(deploy.json?["username"]?.stringValue)
        let dropped = try #require(try source.request("POST", "/projects/acme%2Fweb/deploy_tokens", token: admin, json: #"{"name":"x","scopes":["read_registry"]}"#).json?["id"]?.intValue)
        #expect(try source.request("DELETE", "/projects/acme%2Fweb/deploy_tokens/\(dropped)", token: admin).status == 204)
        #expect(try source.request("POST", "/groups/acme/deploy_tokens", token: admin, json: #"{"name":"src","username":"puller","scopes":["read_repository"]}"#).status == 201)
        let revoked = try source.createToken(name: "gone")
        #expect(try source.request("DELETE", "/personal_access_tokens/self", token: revoked).status == 204)
        #expect(try source.request("GET", "/personal_access_tokens/self", token: rotated).status == 200)

        let work = source.directory
        let first = try export(source.binary, environment: ["TOKEND_DATA": source.data], to: work + "/json.jsonl")

        // Into PostgreSQL, then served from there.
        let database = try PostgresCluster.createDatabase()
        let target = try LiveServer(backend: .postgres, databaseURL: database)
        defer { target.stop() }
        let imported = try target.tokend(["store", "import", "--from", work + "/json.jsonl"])
        #expect(imported == "imported \(first.summary)")
        let second = try export(target.binary, environment: target.storeEnvironment, to: work + "/postgres.jsonl")
        // The import brought the exported store's secret: workers read it when they start.
        target.stopWorkers()
        try target.startWorker()
        for token in [admin, rotated, bot] {
            #expect(try target.request("GET", "/personal_access_tokens/self", token: token).status == 200)
        }
        #expect(try target.request("GET", "/personal_access_tokens/self", token: revoked).status == 401)
        let hooks = try target.request("GET", "/projects/acme%2Fweb/hooks", token: admin)
        #expect(hooks.json?.arrayValue?.first?["url"]?.stringValue == "https://hooks.example.com/x", "\(hooks.body)")
        #expect(try target.request("GET", "/personal_access_tokens/self", token: aliceToken).status == 401)
        #expect(try target.tokend(["store", "check"]).contains("tokens 5\n"))
        // The deploy token still opens the gate; the next one takes a new id, not the deleted one's.
        let gate = try target.request("GET", "//-/auth/read_registry?project=acme/web", headers: ["Authorization": basic(deployUser, deployToken)])
        #expect(gate.status == 204, "\(gate.body)")
        let next = try target.request("POST", "/projects/acme%2Fweb/deploy_tokens", token: admin, json: #"{"name":"y","scopes":["read_registry"]}"#)
        #expect(next.json?["id"]?.intValue == dropped + 2, "\(next.body)")
        #expect(try target.request("DELETE", "/projects/acme%2Fweb/deploy_tokens/\(dropped + 2)", token: admin).status == 204)

        // And back into a new JSON store.
        let back = work + "/back"
        _ = try target.tokend(["init", "--data", back], environment: ["TOKEND_STORE": ""])
        _ = try LiveServer.run(target.binary, ["store", "import", "--data", back, "--from", work + "/postgres.jsonl"], environment: ["TOKEND_STORE": ""])
        let third = try export(target.binary, environment: ["TOKEND_DATA": back, "TOKEND_STORE": ""], to: work + "/back.jsonl")

        #expect(first.summary.contains("3 users, 5 tokens, 2 groups, 1 projects, 4 memberships, 1 hooks, 0 notices, 2 deploy tokens"), "\(first.summary)")
        #expect(second.summary == first.summary)
        #expect(third.summary == first.summary)
        #expect(second.bytes == first.bytes)
        #expect(third.bytes == first.bytes)
        #expect(!first.bytes.contains(admin) && !first.bytes.contains(bot) && !first.bytes.contains(deployToken), "an export holds digests, never a token")
        let check = try LiveServer.run(target.binary, ["store", "check", "--data", back], environment: ["TOKEND_STORE": ""])
        #expect(check.status == 0, "\(check.stdout)")

        // Importing into a store that already holds tokens is refused, naming why.
        let refused = try LiveServer.run(target.binary, ["store", "import", "--from", work + "/json.jsonl"], environment: target.storeEnvironment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("already holds 5 tokens") && refused.stderr.contains("a new data directory (`tokend init --data NEW`"), "\(refused.stderr)")
    }

    /// `Authorization: Basic` for `user` and `password`.
    func basic(_ user: String, _ password: String) -> String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }

    /// Runs `tokend store export --to PATH`; returns the file and the summary it printed.
    func export(_ binary: String, environment: [String: String], to path: String) throws -> (bytes: String, summary: String) {
        let result = try LiveServer.run(binary, ["store", "export", "--to", path], environment: environment)
        guard result.status == 0 else { throw HarnessError("export failed: \(result.stderr)") }
        let summary = result.stderr.split(separator: "\n").last { $0.hasPrefix("exported ") }.map { String($0.dropFirst("exported ".count)) } ?? ""
        return (try String(contentsOfFile: path, encoding: .utf8), summary)
    }
}
