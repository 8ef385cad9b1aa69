import Foundation
import JSON
import Testing
import TokendTesting

/// The forward-auth gate and the admin token API for real: the shared scenarios through nginx
/// to a worker, then a real nginx (`nginx/auth-gate.conf`) and a real Caddy
/// (`deploy/caddy/Caddyfile.example`) guarding a second service on loopback.
@Suite(.timeLimit(.minutes(20)))
struct AuthGateIntegrationTests {
    @Test(arguments: [
        ("gate statuses and headers", GateScenarios.statusesAndHeaders),
        ("gate bots and membership", GateScenarios.botsAndMembership),
        ("admin token API", GateScenarios.adminTokenAPI),
    ] as [(name: String, run: @Sendable (LiveServer) throws -> Void)], Backend.available)
    func sharedScenarios(scenario: (name: String, run: @Sendable (LiveServer) throws -> Void), backend: Backend) throws {
        let server = try LiveServer(backend: backend)
        defer { server.stop() }
        try scenario.run(server)
    }

    @Test(.enabled(if: HeaderEcho.unavailable == nil, "python3 is not installed (the guarded service is a Python stub)"))
    func nginxGuardsAnotherService() throws { try guardsAnotherService(.nginx) }

    @Test(
        .enabled(if: GatedFront.caddyUnavailable == nil, "caddy is not installed (scripts/deps installs it)"),
        .enabled(if: HeaderEcho.unavailable == nil, "python3 is not installed (the guarded service is a Python stub)"))
    func caddyGuardsAnotherService() throws { try guardsAnotherService(.caddy) }

    /// No token → 401; a read_api token where write_repository is needed → 403; the right token,
    /// by header or as a Basic password → the service's 200 with the caller's identity (and not
    /// the token); a membership rule by project id; and a token
    /// revoked by value → 401 on the very next request.
    func guardsAnotherService(_ kind: GatedFront.Kind) throws {
        // The worker's socket is opened to Caddy, which runs as nobody.
        let server = try LiveServer(environment: ["TOKEND_SOCKET_MODE": "0666"])
        defer { server.stop() }
        let admin = try server.createToken(name: "admin", scopes: "api")
        _ = try server.createUser("alice")
        let reader = try server.createToken(user: "alice", name: "reader", scopes: "read_api")
        let writer = try server.createToken(user: "alice", name: "writer", scopes: "write_repository")
        try server.tokend(["group", "create", "--data", server.data, "--name", "Acme", "--path", "acme", "--owner", "root"])
        try server.tokend(["project", "create", "--data", server.data, "--namespace", "acme", "--name", "Web"])
        try server.tokend(["member", "add", "--data", server.data, "--project", "acme/web", "--user", "alice", "--access-level", "developer"])
        let project = try #require(try server.request("GET", "/projects/acme%2Fweb", token: admin).json?["id"]?.intValue)
        let front = try GatedFront(kind, server: server, projectID: project)
        defer { front.stop() }
        let context = Comment(rawValue: "\(kind): \(front.log)")

        let none = try front.get("/repo/info/refs")
        #expect(none.status == 401, context)
        #expect(none.header("WWW-Authenticate") == #"Bearer realm="tokend""#, context)
        #expect(none.json?["message"] == .string("401 Unauthorized"), context)

        let wrongScope = try front.get("/repo/info/refs", headers: ["PRIVATE-TOKEN": reader])
        #expect(wrongScope.status == 403, context)
        #expect(wrongScope.json != nil, "a JSON body: \(wrongScope.body)")

        // (A client's own X-Tokend-* headers: GateProxyAttackTests.)
        let ok = try front.get("/repo/info/refs?service=git-upload-pack", headers: ["PRIVATE-TOKEN": writer])
        #expect(ok.status == 200, context)
        #expect(ok.json?["uri"] == .string("/repo/info/refs?service=git-upload-pack"))
        #expect(ok.json?["username"] == .string("alice"), "\(ok.body)")
        #expect(ok.json?["user_id"] == .string("2"))
        #expect(ok.json?["token_id"]?.stringValue.flatMap(Int.init) != nil)
        #expect(ok.json?["scopes"] == .string("write_repository"))
        #expect(ok.json?["bot"] == .string("false"))
        #expect(ok.json?["bot_project"] == .string(""), "\(ok.body)")
        #expect(ok.json?["private_token"] == .string(""), "the token stays with the gate")

        let viaBasic = try front.get("/repo/info/refs", basic: ("git", writer))
        #expect(viaBasic.status == 200, context)
        #expect(viaBasic.json?["username"] == .string("alice"))
        #expect(viaBasic.json?["authorization"] == .string(""), "the token stays with the gate")
        let wrongBasic = try front.get("/repo/info/refs", basic: ("git", writer + "x"))
        #expect(wrongBasic.status == 401)
        #expect(wrongBasic.header("WWW-Authenticate") == #"Basic realm="tokend""#, "git prompts: \(wrongBasic.headers)")

        // A project's bot, as git sends its token: the service learns the bot and its project.
        let created = try server.request("POST", "/projects/acme%2Fweb/access_tokens", token: admin, json: #"{"name":"ci","scopes":["write_repository"],"access_level":30}"#)
        let botToken = try #require(created.json?["token"]?.stringValue, "\(created.body)")
        let bot = try front.get("/repo/info/refs", basic: ("gitlab-ci-token", botToken))
        #expect(bot.status == 200, context)
        #expect(bot.json?["bot"] == .string("true"))
        #expect(bot.json?["bot_project"] == .string("acme/web"))

        // /dashboard/: read_api and Developer in acme/web, named by its id.
        #expect(try front.get("/dashboard/", headers: ["PRIVATE-TOKEN": reader]).status == 200, context)
        #expect(try front.get("/dashboard/", headers: ["Authorization": "Bearer " + botToken]).status == 403, "no read_api")
        _ = try server.createUser("carol")
        let outsider = try server.createToken(user: "carol", name: "reader", scopes: "read_api")
        #expect(try front.get("/dashboard/", headers: ["PRIVATE-TOKEN": outsider]).status == 403, "carol is no member")

        // Each check was a use of the token, from the client's address.
        let used = try server.request("POST", "/admin/token", token: admin, json: #"{"token":"\#(reader)"}"#)
        #expect(used.json?["last_used_at"] != .null, "\(used.body)")

        // The token leaks; the administrator revokes it by value; the next request is refused.
        #expect(try server.request("DELETE", "/admin/token", token: admin, json: #"{"token":"\#(writer)"}"#).status == 204)
        let revoked = try front.get("/repo/info/refs", headers: ["PRIVATE-TOKEN": writer])
        #expect(revoked.status == 401, context)
        #expect(revoked.header("WWW-Authenticate") == #"Bearer realm="tokend", error="invalid_token""#)
        #expect(try front.get("/repo/info/refs", basic: ("git", writer)).status == 401)
        #expect(!server.workerLogs.contains(writer), "no token in the worker's log")
        #expect(!front.log.contains(writer), "no token in the front's log")

        // Fail closed: with the worker gone, a valid token gets an error, never the service.
        server.stopWorkers()
        let down = try front.get("/dashboard/", headers: ["PRIVATE-TOKEN": reader])
        #expect(down.status >= 500, "\(kind) with no worker: \(down.status) \(down.body)")
        #expect(down.json?["uri"] == nil)
    }
}
