import Foundation
import JSON
import Testing
import TokendTesting

/// The security review's findings where the transport matters, through a real nginx and worker
/// (and the binary as a plain CGI program): bot takeover, sudo to oneself, e-mail privacy,
/// the client's `Host`, header injection in raw CGI, and the admin recovery path.
@Suite(.timeLimit(.minutes(20)))
struct SecurityIntegrationTests {
    @Test(arguments: [
        ("bot takeover", SecurityScenarios.anotherProjectsBotCannotBeTakenOver),
        ("sudo to oneself", SecurityScenarios.sudoToOneselfKeepsTheEndpointsScopes),
        ("private addresses", SecurityScenarios.privateAddressesStayPrivate),
        ("subgroup nesting", SecurityScenarios.subgroupNestingIsBounded),
    ] as [(name: String, run: @Sendable (LiveServer) throws -> Void)], Backend.available)
    func sharedScenarios(scenario: (name: String, run: @Sendable (LiveServer) throws -> Void), backend: Backend) throws {
        let server = try LiveServer(backend: backend)
        defer { server.stop() }
        try scenario.run(server)
    }

    @Test func linksAndBotAddressesUseTheConfiguredHostNotTheClients() throws {
        let s = try LiveServer()
        defer { s.stop() }
        _ = try s.createUser("alice")
        let alice = try s.createToken(user: "alice", name: "a")
        let evil = ["Host": "evil.example"]
        let project = try s.request("POST", "/projects", token: alice, headers: evil, form: "name=P")
        #expect(project.json?["web_url"]?.stringValue?.hasPrefix("http://127.0.0.1:\(s.port)/") == true)
        let id = try #require(project.json?["id"]?.intValue)
        let token = try s.request("POST", "/projects/\(id)/access_tokens", token: alice, headers: evil, json: #"{"name":"b","scopes":["api"]}"#)
        let bot = try #require(token.json?["user_id"]?.intValue)
        let admin = try s.createToken(name: "admin")
        let email = try #require(try s.request("GET", "/users/\(bot)", token: admin).json?["email"]?.stringValue)
        #expect(email.hasSuffix("@noreply.127.0.0.1"), "\(email)")
        let list = try s.request("GET", "/personal_access_tokens?per_page=1", token: admin, headers: evil)
        let link = try #require(list.header("Link"))
        #expect(!link.contains("evil"))
        #expect(link.contains("<http://127.0.0.1:\(s.port)/api/v4/personal_access_tokens?page=1&per_page=1>; rel=\"first\""), "\(link)")
    }

    /// In raw CGI the web server hands header values over as they came: a CR/LF must not split
    /// tokend's response head, and the client's Host must not reach it.
    @Test func rawCGIRefusesHeaderValuesWithLineBreaks() throws {
        let s = try LiveServer(workers: 0)
        defer { s.stop() }
        let token = try s.createToken()
        let base = [
            "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v4/user", "HTTP_PRIVATE_TOKEN": token,
            "REMOTE_ADDR": "127.0.0.1", "TOKEND_DATA": s.data, "SERVER_NAME": "tokend.example", "SERVER_PORT": "80",
        ]
        var injected = base
        injected["HTTP_HOST"] = "evil.example\r\nSet-Cookie: stolen=1"
        let refused = try LiveServer.run(s.binary, [], environment: injected)
        #expect(refused.stdout.hasPrefix("Status: 400 Bad Request\r\n"))
        #expect(!refused.stdout.contains("Set-Cookie"))
        var hosted = base
        hosted["HTTP_HOST"] = "evil.example"
        let answered = try LiveServer.run(s.binary, [], environment: hosted)
        #expect(answered.stdout.hasPrefix("Status: 200 OK\r\n"))
        #expect(answered.stdout.contains(#""web_url":"http://tokend.example/root""#), "\(answered.stdout)")
        #expect(!answered.stdout.contains("evil"))
    }

    /// GitLab lets an admin delete themself, even the last one; the README's way back is an
    /// offline `tokend user create --admin` on the data directory.
    @Test func theLastAdminCanDeleteThemselfAndBeRecreatedOffline() throws {
        let s = try LiveServer()
        defer { s.stop() }
        let admin = try s.createToken(name: "admin")
        #expect(try s.request("DELETE", "/users/1", token: admin).status == 204)
        #expect(try s.request("GET", "/user", token: admin).status == 401)
        _ = try s.createUser("rescue", admin: true)
        let rescue = try s.createToken(user: "rescue", name: "rescue")
        let me = try s.request("GET", "/user", token: rescue)
        #expect(me.json?["is_admin"] == .bool(true))
        #expect(try s.request("POST", "/users", token: rescue, form: "username=bob&name=Bob&email=bob@example.com").status == 201)
    }
}
