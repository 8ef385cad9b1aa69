import Foundation
import JSON
import Testing

/// The forward-auth gate (`/-/auth…`) and the admin token API as scenarios any
/// ``GitLabClient`` can run: in-process in TokenAPITests, through nginx in IntegrationTests.
/// The gate is asked directly here, as `auth_request` asks it; the guarded-upstream tests
/// (nginx and Caddy in front of a second service) are in IntegrationTests.
public enum GateScenarios {
    static let unauthorized = #"{"message":"401 Unauthorized"}"#
    static let revoked = #"{"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."}"#

    /// `Authorization: Basic` for `user` and `password`, as git sends it.
    public static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// Every status and header of the gate for a person's token: missing, unknown and revoked
    /// tokens, each header form, scopes, a blocked owner, and the requirement's own errors.
    public static func statusesAndHeaders(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin, scopes: "read_api,write_repository")

        let missing = try client.call("GET", "//-/auth")
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate") == #"Bearer realm="tokend""#)
        #expect(missing.body == unauthorized)

        let ok = try client.call("GET", "//-/auth", token: alice.token)
        #expect(ok.status == 204)
        #expect(ok.body.isEmpty)
        #expect(ok.header("X-Tokend-User-Id") == String(alice.id))
        #expect(ok.header("X-Tokend-Username") == "alice")
        #expect(ok.header("X-Tokend-Token-Id").flatMap(Int.init) != nil)
        #expect(ok.header("X-Tokend-Scopes") == "read_api,write_repository")
        #expect(ok.header("X-Tokend-Bot") == "false")
        #expect((ok.header("X-Tokend-Bot-Project") ?? "") == "")
        #expect((ok.header("X-Tokend-Bot-Group") ?? "") == "")
        #expect(ok.header("Content-Type") == nil)

        for path in ["//-/auth/write_repository", "//-/auth/read_api+write_repository", "//-/auth/write_repository%2Bread_api"] {
            #expect(try client.call("GET", path, token: alice.token).status == 204, "\(path)")
        }
        #expect(try client.call("HEAD", "//-/auth/read_api", token: alice.token).status == 204)
        let lacking = try client.call("GET", "//-/auth/read_repository+write_repository", token: alice.token)
        #expect(lacking.status == 403)
        #expect(lacking.json?["error"] == .string("insufficient_scope"))
        #expect(lacking.json?["scope"] == .string("read_repository write_repository"))
        #expect(lacking.json?["error_description"] == .string("The request requires higher privileges than provided by the access token."))
        #expect(lacking.header("WWW-Authenticate") == nil)

        // Every header form the gate reads; never the query string, which web servers log.
        #expect(try client.call("GET", "//-/auth/read_api", headers: ["Authorization": "Bearer " + alice.token]).status == 204)
        for user in ["git", "docker", "anything", ""] {
            let viaBasic = try client.call("GET", "//-/auth/write_repository", headers: ["Authorization": basic(user, alice.token)])
            #expect(viaBasic.status == 204, "user \(user)")
            #expect(viaBasic.header("X-Tokend-Username") == "alice")
        }
        let wrongPassword = try client.call("GET", "//-/auth", headers: ["Authorization": basic("git", alice.token + "x")])
        #expect(wrongPassword.status == 401)
        #expect(wrongPassword.header("WWW-Authenticate") == #"Basic realm="tokend""#)
        #expect(wrongPassword.body == unauthorized)
        let noPassword = try client.call("GET", "//-/auth", headers: ["Authorization": basic("git", "")])
        #expect(noPassword.status == 401)
        #expect(noPassword.header("WWW-Authenticate") == #"Basic realm="tokend""#)
        let garbled = try client.call("GET", "//-/auth", headers: ["Authorization": "Basic not*base64"])
        #expect(garbled.header("WWW-Authenticate") == #"Basic realm="tokend""#)
        let unknown = try client.call("GET", "//-/auth", token: "glpat-nosuchtoken")
        #expect(unknown.status == 401)
        #expect(unknown.header("WWW-Authenticate") == #"Bearer realm="tokend", error="invalid_token""#)
        #expect(unknown.body == unauthorized)
        for query in ["private_token", "access_token", "bearer_token"] {
            #expect(try client.call("GET", "//-/auth?\(query)=\(alice.token)").status == 401, "\(query)")
        }

        // A client's own X-Tokend-* header, whatever its name or case: 403, whatever the token,
        // so a web server that forgot to drop it never passes it on beside the gate's.
        for (name, value) in [("X-Tokend-Admin", "true"), ("x-tOKEND-user-ID", "1"), ("X-Tokend-Scopes", "api,sudo")] {
            let spoofed = try client.call("GET", "//-/auth", token: alice.token, headers: [name: value])
            #expect(spoofed.status == 403, "\(name)")
            #expect(spoofed.json?["message"] == .string("403 Forbidden - X-Tokend-* headers come from the gate, never from the client"), "\(spoofed.body)")
            #expect(spoofed.header("X-Tokend-User-Id") == nil)
        }
        #expect(try client.call("GET", "//-/auth", headers: ["X-Tokend-User-Id": "1"]).status == 403, "no token either")
        #expect(try client.call("GET", "//-/auth", token: alice.token, headers: ["X-Tokend": "1", "X-Not-Tokend-User-Id": "1"]).status == 204)

        // The requirement is the web server's configuration: a mistake fails closed (400; 405).
        #expect(try client.call("GET", "//-/auth/bogus", token: alice.token).status == 400)
        #expect(try client.call("GET", "//-/auth/read_api+", token: alice.token).status == 400)
        #expect(try client.call("GET", "//-/auth?project=a&group=b", token: alice.token).status == 400)
        #expect(try client.call("GET", "//-/auth?project=a&min_access_level=31", token: alice.token).status == 400)
        #expect(try client.call("GET", "//-/auth?min_access_level=30", token: alice.token).status == 400)
        let post = try client.call("POST", "//-/auth", token: alice.token)
        #expect(post.status == 405)
        #expect(post.header("Allow") == "GET, HEAD")

        // A blocked owner: 403, as the API answers.
        #expect(try client.call("POST", "/users/\(alice.id)/block", token: admin).status == 201)
        let blocked = try client.call("GET", "//-/auth", token: alice.token)
        #expect(blocked.status == 403)
        #expect(blocked.body == #"{"message":"403 Forbidden - Your account has been blocked."}"#)
        #expect(try client.call("POST", "/users/\(alice.id)/unblock", token: admin).status == 201)

        // Revoked by value (the admin token API): 401 on the very next check.
        #expect(try client.call("GET", "//-/auth", token: alice.token).status == 204)
        #expect(try client.call("DELETE", "/admin/token", token: admin, json: #"{"token":"\#(alice.token)"}"#).status == 204)
        let gone = try client.call("GET", "//-/auth", token: alice.token)
        #expect(gone.status == 401)
        #expect(gone.body == revoked)
        #expect(gone.header("WWW-Authenticate") == #"Bearer realm="tokend", error="invalid_token""#)
        let goneBasic = try client.call("GET", "//-/auth", headers: ["Authorization": basic("git", alice.token)])
        #expect(goneBasic.header("WWW-Authenticate") == #"Basic realm="tokend""#)
    }

    /// A bot's token names its project or group; the membership rule admits members at the level
    /// asked and above (bots included, through their own membership), and nobody else.
    public static func botsAndMembership(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        let bob = try client.user("bob", admin: admin)
        let group = try client.call("POST", "/groups", token: alice.token, form: "name=Acme&path=acme")
        let groupID = try #require(group.json?["id"]?.intValue, "\(group.body)")
        let project = try client.call("POST", "/projects", token: alice.token, form: "name=Web&namespace_id=\(groupID)")
        let projectID = try #require(project.json?["id"]?.intValue, "\(project.body)")
        #expect(try client.call("POST", "/projects/\(projectID)/members", token: alice.token, form: "user_id=\(bob.id)&access_level=20").status == 201)
        let projectBot = try client.call(
            "POST", "/projects/\(projectID)/access_tokens", token: alice.token,
            json: #"{"name":"deploy","scopes":["read_repository"],"access_level":30}"#)
        let projectToken = try #require(projectBot.json?["token"]?.stringValue, "\(projectBot.body)")
        let groupBot = try client.call("POST", "/groups/\(groupID)/access_tokens", token: alice.token, json: #"{"name":"ci","scopes":["api"]}"#)
        let groupToken = try #require(groupBot.json?["token"]?.stringValue, "\(groupBot.body)")

        let viaProject = try client.call("GET", "//-/auth/read_repository", headers: ["Authorization": basic("git", projectToken)])
        #expect(viaProject.status == 204)
        #expect(viaProject.header("X-Tokend-Bot") == "true")
        #expect(viaProject.header("X-Tokend-Bot-Project") == "acme/web")
        #expect((viaProject.header("X-Tokend-Bot-Group") ?? "") == "")
        #expect(viaProject.header("X-Tokend-Username")?.hasPrefix("project_\(projectID)_bot_") == true)
        let viaGroup = try client.call("GET", "//-/auth", token: groupToken)
        #expect(viaGroup.header("X-Tokend-Bot-Group") == "acme")
        #expect((viaGroup.header("X-Tokend-Bot-Project") ?? "") == "")

        let rules: [(query: String, alice: Int, bob: Int, projectBot: Int, groupBot: Int, root: Int)] = [
            ("project=acme/web", 204, 204, 204, 204, 403),
            ("project=acme%2Fweb&min_access_level=30", 204, 403, 204, 204, 403),
            ("project=\(projectID)&min_access_level=40", 204, 403, 403, 204, 403),
            ("group=acme&min_access_level=50", 204, 403, 403, 403, 403),
            ("group=acme&min_access_level=10", 204, 403, 403, 204, 403),
            ("group=\(groupID)&min_access_level=30", 204, 403, 403, 204, 403),
            ("project=acme/nothing", 403, 403, 403, 403, 403),
            ("group=acme/web", 403, 403, 403, 403, 403),
        ]
        for rule in rules {
            let path = "//-/auth?" + rule.query
            #expect(try client.call("GET", path, token: alice.token).status == rule.alice, "alice \(rule.query)")
            #expect(try client.call("GET", path, token: bob.token).status == rule.bob, "bob \(rule.query)")
            #expect(try client.call("GET", path, token: projectToken).status == rule.projectBot, "project bot \(rule.query)")
            #expect(try client.call("GET", path, token: groupToken).status == rule.groupBot, "group bot \(rule.query)")
            #expect(try client.call("GET", path, token: admin).status == rule.root, "root \(rule.query)")
        }
        let refused = try client.call("GET", "//-/auth/api?project=acme/web&min_access_level=40", token: bob.token)
        #expect(refused.body == #"{"message":"403 Forbidden"}"#)

        // Why rules should name ids: a path is looked up on every request, so once a rename
        // frees it, whoever takes it passes a rule by path; a rule by id keeps its project.
        #expect(try client.call("PUT", "/groups/\(groupID)", token: alice.token, form: "path=acme-old").status == 200)
        let taken = try client.call("POST", "/groups", token: bob.token, form: "name=Acme&path=acme")
        let takenID = try #require(taken.json?["id"]?.intValue, "\(taken.body)")
        #expect(try client.call("POST", "/projects", token: bob.token, form: "name=Web&path=web&namespace_id=\(takenID)").status == 201)
        #expect(try client.call("GET", "//-/auth?project=acme/web&min_access_level=40", token: bob.token).status == 204, "bob took the path")
        #expect(try client.call("GET", "//-/auth?project=\(projectID)&min_access_level=40", token: bob.token).status == 403)
        #expect(try client.call("GET", "//-/auth?project=\(projectID)&min_access_level=40", token: alice.token).status == 204)
    }

    /// The admin token API for each kind of token: 200 with GitLab's `PersonalAccessToken`
    /// entity, 204 on revocation, 401/403/404/422 as GitLab answers, and the value nowhere in
    /// an answer but the one that made it.
    public static func adminTokenAPI(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let readOnly = try client.rootToken(scopes: ["read_api"])
        let alice = try client.user("alice", admin: admin, scopes: "read_api")
        let bob = try client.user("bob", admin: admin)
        // The latest expiry the instance allows, whatever its clock says: a default token's.
        let expiry = try #require(try client.call("GET", "/personal_access_tokens/self", token: alice.token).json?["expires_at"]?.stringValue)
        let impersonation = try client.call(
            "POST", "/users/\(alice.id)/impersonation_tokens", token: admin, form: "name=support&scopes=api&expires_at=\(expiry)")
        let impersonationToken = try #require(impersonation.json?["token"]?.stringValue, "\(impersonation.body)")
        let project = try #require(try client.call("POST", "/projects", token: admin, form: "name=Web").json?["id"]?.intValue)
        let projectBot = try client.call("POST", "/projects/\(project)/access_tokens", token: admin, json: #"{"name":"p","scopes":["api"]}"#)
        let projectToken = try #require(projectBot.json?["token"]?.stringValue, "\(projectBot.body)")
        let group = try #require(try client.call("POST", "/groups", token: admin, form: "name=G&path=g").json?["id"]?.intValue)
        let groupBot = try client.call("POST", "/groups/\(group)/access_tokens", token: admin, json: #"{"name":"g","scopes":["api"]}"#)
        let groupToken = try #require(groupBot.json?["token"]?.stringValue, "\(groupBot.body)")

        let fields = ["id", "name", "revoked", "created_at", "description", "scopes", "user_id", "last_used_at", "active", "expires_at", "granular", "expired"]
        let kinds: [(name: String, token: String, owner: Int?, created: TestResponse?)] = [
            ("personal", alice.token, alice.id, nil), ("impersonation", impersonationToken, alice.id, impersonation),
            ("project", projectToken, nil, projectBot), ("group", groupToken, nil, groupBot),
        ]
        for kind in kinds {
            let body = #"{"token":"\#(kind.token)"}"#
            let found = try client.call("POST", "/admin/token", token: admin, json: body)
            #expect(found.status == 200, "\(kind.name): \(found.body)")
            #expect(found.json?.objectValue.map { Set($0.keys) } == Set(fields), "\(kind.name): \(found.body)")
            #expect(found.json?["revoked"] == .bool(false))
            #expect(!found.body.contains(kind.token))
            if let owner = kind.owner { #expect(found.json?["user_id"]?.intValue == owner, "\(kind.name)") }
            if let created = kind.created {
                #expect(found.json?["id"] == created.json?["id"], "\(kind.name)")
                #expect(found.json?["user_id"] == created.json?["user_id"], "\(kind.name)")
            }
            // Only administrators, with a token that may write (GitLab registers api only).
            #expect(try client.call("POST", "/admin/token", token: bob.token, json: body).body == #"{"message":"403 Forbidden"}"#)
            #expect(try client.call("POST", "/admin/token", json: body).status == 401)
            #expect(try client.call("POST", "/admin/token", token: readOnly, json: body).status == 403)
            #expect(try client.call("DELETE", "/admin/token", token: bob.token, json: body).status == 403)
            #expect(try client.call("POST", "/admin/token", token: admin, json: body).json?["active"] == .bool(true))

            #expect(try client.call("DELETE", "/admin/token", token: admin, json: body).status == 204, "\(kind.name)")
            let after = try client.call("POST", "/admin/token", token: admin, json: body)
            #expect(after.status == 200)
            #expect(after.json?["revoked"] == .bool(true))
            #expect(after.json?["active"] == .bool(false))
            #expect(try client.call("GET", "/user", token: kind.token).status == 401, "\(kind.name) still authenticates")
            // Revoking twice changes nothing and still answers 204.
            #expect(try client.call("DELETE", "/admin/token", token: admin, form: "token=\(kind.token)").status == 204)
        }

        let notFound = try client.call("POST", "/admin/token", token: admin, json: #"{"token":"glpat-nosuchtoken00000000"}"#)
        #expect(notFound.status == 404)
        #expect(notFound.body == #"{"message":{"error":"Not found"}}"#)
        #expect(try client.call("DELETE", "/admin/token", token: admin, json: #"{"token":"glpat-nosuchtoken00000000"}"#).status == 404)
        // A deploy token value is a kind tokend has (DeployTokenScenarios): unknown, it is not found.
        let unknownDeployToken = try client.call("POST", "/admin/token", token: admin, json: #"{"token":"gldt-deploytoken"}"#)
        #expect(unknownDeployToken.status == 404 && unknownDeployToken.body == #"{"message":{"error":"Not found"}}"#)
        for other in ["glrt-runner", "glptt-trigger", "oldprefix-abc", "", "glpat"] {
            let unsupported = try client.call("POST", "/admin/token", token: admin, json: #"{"token":"\#(other)"}"#)
            #expect(unsupported.status == 422, "\(other)")
            #expect(unsupported.body == #"{"message":"Token type not supported."}"#)
        }
        let missing = try client.call("POST", "/admin/token", token: admin, json: "{}")
        #expect(missing.status == 400)
        #expect(missing.body == #"{"error":"token is missing"}"#)
        // The value belongs in the body: web servers log URLs.
        let inURL = try client.call("POST", "/admin/token?token=\(admin)", token: admin)
        #expect(inURL.status == 400)
        #expect(!inURL.body.contains(admin))
        #expect(try client.call("GET", "/user", token: admin).status == 200)
        // An administrator may revoke their own token by value; it stops working at once.
        #expect(try client.call("DELETE", "/admin/token", token: admin, json: #"{"token":"\#(admin)"}"#).status == 204)
        #expect(try client.call("GET", "/user", token: admin).status == 401)
    }
}
