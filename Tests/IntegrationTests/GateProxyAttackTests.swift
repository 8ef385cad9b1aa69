import Foundation
import JSON
import Testing
import TokendTesting

/// The security review's attacks on the shipped gate configurations, through a real nginx
/// (`nginx/auth-gate.conf`) and a real Caddy (`deploy/caddy/Caddyfile.example`) in front of a
/// ``HeaderEcho``: path confusion (a path checked as `/repo/` but routed as `/dashboard/`),
/// identity headers a client spells its own way, and the nginx file dropped in beside Debian's
/// default site.
@Suite(.timeLimit(.minutes(20)), .enabled(if: HeaderEcho.unavailable == nil, "python3 is not installed (the guarded service is a Python stub)"))
struct GateProxyAttackTests {
    /// A worker with alice, a Developer of acme/web holding a write_repository token (enough for
    /// `/repo/`, not for `/dashboard/`, which needs read_api), and `kind` in front of the echo.
    struct Setup {
        let server: LiveServer
        let front: GatedFront
        let writer: String

        init(_ kind: GatedFront.Kind, besideDebianDefault: Bool = false) throws {
            server = try LiveServer(environment: ["TOKEND_SOCKET_MODE": "0666"])
            do {
                let admin = try server.createToken(name: "admin", scopes: "api")
                _ = try server.createUser("alice")
                writer = try server.createToken(user: "alice", name: "writer", scopes: "write_repository")
                try server.tokend(["group", "create", "--data", server.data, "--name", "Acme", "--path", "acme", "--owner", "root"])
                try server.tokend(["project", "create", "--data", server.data, "--namespace", "acme", "--name", "Web"])
                try server.tokend(["member", "add", "--data", server.data, "--project", "acme/web", "--user", "alice", "--access-level", "developer"])
                let project = try #require(try server.request("GET", "/projects/acme%2Fweb", token: admin).json?["id"]?.intValue)
                front = try GatedFront(kind, server: server, projectID: project, besideDebianDefault: besideDebianDefault)
            } catch {
                server.stop()
                throw error
            }
        }

        func stop() {
            front.stop()
            server.stop()
        }
    }

    static let kinds: [GatedFront.Kind] = GatedFront.caddyUnavailable == nil ? [.nginx, .caddy] : [.nginx]

    /// Finding 4: each raw path below is chosen by its normalised form (`/repo/…`, allowed to a
    /// write_repository token) but names `/dashboard/` (or `\`-separated paths) to a service
    /// that routes on the raw path. Each is refused with 400 before the gate and never reaches
    /// the service; the same token on `/dashboard/` is 403; ordinary paths, and dots or slashes
    /// in the query string, still pass.
    @Test(arguments: Self.kinds)
    func refusesPathsThatNormaliseElsewhere(kind: GatedFront.Kind) throws {
        let setup = try Setup(kind)
        defer { setup.stop() }
        let front = setup.front
        let token = ["PRIVATE-TOKEN": setup.writer]
        #expect(try front.get("/dashboard/x", headers: token).status == 403, "the token may not see /dashboard/")
        let attacks = [
            "/dashboard/%2e%2e/repo/x", "/dashboard/%2E%2e/repo/x", "/dashboard/..%2frepo/x", "/dashboard/..%2Frepo/x",
            "/dashboard/../repo/x", "/dashboard/./../repo/x", "/repo/..;/dashboard/x", "/repo/..%5cdashboard/x",
            "/repo/..\\dashboard/x", "/repo/x/..", "/repo/x/.", "/repo//x", "/repo/x;jsessionid=1", "/repo/%2e/x",
        ]
        for path in attacks {
            let answer = try front.get(path, headers: token)
            #expect(answer.status == 400, "\(kind) \(path): \(answer.status) \(answer.body)")
            #expect(answer.json?["message"] == .string("400 Bad Request"), "\(kind) \(path): \(answer.body)")
            #expect(answer.json?["uri"] == nil, "\(kind) \(path) reached the service as \(answer.json?["uri"] ?? .null)")
        }
        for path in ["/repo/info/refs?service=git-upload-pack&next=../dashboard//x;y", "/repo/a.b/..c/.d", "/repo/%72efs"] {
            let answer = try front.get(path, headers: token)
            #expect(answer.status == 200, "\(kind) \(path): \(answer.status) \(answer.body)")
            #expect(answer.json?["uri"] == .string(path), "\(kind): the service gets the path as checked")
        }
    }

    /// Finding 5: identity headers a client sends itself never reach the service beside the
    /// gate's. nginx drops names with `_` itself and the gate refuses (403) any X-Tokend-* name
    /// it is sent; Caddy drops every spelling on every route, so the gate sees none.
    @Test(arguments: Self.kinds)
    func noClientIdentityHeaderReachesTheService(kind: GatedFront.Kind) throws {
        let setup = try Setup(kind)
        defer { setup.stop() }
        let front = setup.front
        let underscores = ["X_Tokend_User_Id": "1", "X_Tokend_Username": "root", "X_Tokend_Scopes": "api,sudo", "X-Tokend_Bot": "true"]
        let invented = ["X-Tokend-Admin": "true"]
        let oddCase = ["x-tOKEND-scopes": "api", "X-TOKEND-USER-ID": "1"]
        let cases: [(name: String, spoofed: [String: String], refusedBy: [GatedFront.Kind])] = [
            ("underscores", underscores, []), ("invented", invented, [.nginx]), ("odd case", oddCase, [.nginx]),
        ]
        for (name, spoofed, refusedBy) in cases {
            let answer = try front.get("/repo/info/refs", headers: spoofed.merging(["PRIVATE-TOKEN": setup.writer]) { $1 })
            let context = Comment(rawValue: "\(kind) \(name): \(answer.status) \(answer.body)")
            if refusedBy.contains(kind) {
                #expect(answer.status == 403, context)
                #expect(answer.json?["uri"] == nil, context)
                continue
            }
            #expect(answer.status == 200, context)
            let cgi = answer.json?["cgi"]?.objectValue ?? [:]
            let identity = cgi.filter { $0.key.hasPrefix("HTTP_X_TOKEND_") }
            // The gate's seven, no other (nginx sends no header for an empty value: the bot's two).
            let gates: Set = [
                "HTTP_X_TOKEND_USER_ID", "HTTP_X_TOKEND_USERNAME", "HTTP_X_TOKEND_TOKEN_ID", "HTTP_X_TOKEND_SCOPES", "HTTP_X_TOKEND_BOT",
                "HTTP_X_TOKEND_BOT_PROJECT", "HTTP_X_TOKEND_BOT_GROUP",
            ]
            #expect(Set(identity.keys).isSubset(of: gates), context)
            #expect(identity["HTTP_X_TOKEND_BOT_PROJECT"] ?? .string("") == .string(""), context)
            #expect(answer.json?["user_id"] == .string("2"), context)
            #expect(answer.json?["username"] == .string("alice"), context)
            #expect(answer.json?["scopes"] == .string("write_repository"), context)
            #expect(answer.json?["bot"] == .string("false"), context)
        }
    }

    /// The nginx file dropped in as it is beside Debian's default site (`listen 80
    /// default_server`, `server_name _`), as `conf.d` and `sites-enabled` are: no conflicting
    /// name, the gate answers its own name, and the default site keeps every other.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: GatedFront.debianDefault), "Debian's default nginx site is not installed"))
    func nginxWorksDroppedInBesideDebiansDefaultSite() throws {
        let setup = try Setup(.nginx, besideDebianDefault: true)
        defer { setup.stop() }
        let front = setup.front
        #expect(!front.nginxWarnings.contains("conflicting server name"), "\(front.nginxWarnings)")
        let host = ["Host": "app.example.com"]
        let none = try front.get("/repo/info/refs", headers: host)
        #expect(none.status == 401, "the gate answers: \(none.status) \(none.body)")
        #expect(none.json?["message"] == .string("401 Unauthorized"))
        let ok = try front.get("/repo/info/refs", headers: host.merging(["PRIVATE-TOKEN": setup.writer]) { $1 })
        #expect(ok.status == 200, "\(ok.body)")
        #expect(ok.json?["username"] == .string("alice"))
        let other = try front.get("/repo/info/refs", headers: ["Host": "other.example.com", "PRIVATE-TOKEN": setup.writer])
        #expect(other.json?["uri"] == nil, "another name stays with the default site: \(other.status)")
    }
}
