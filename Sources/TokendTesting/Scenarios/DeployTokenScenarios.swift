import JSON
import Testing

/// Deploy tokens as scenarios any ``GitLabClient`` can run: in-process in TokenAPITests, through
/// nginx to a worker on either store in IntegrationTests. GitLab's rules (who reads, creates
/// and deletes), its entity, its 400s, the REST API refusing a deploy token, the admin token
/// API, and the forward-auth gate.
public enum DeployTokenScenarios {
    /// A group `dt` (owner `dt-owner`, maintainer `dt-gm`) with a private project `dt/app`
    /// (maintainer `dt-pm`, developer `dt-dev`), an outsider, and an unrelated project.
    public struct Fixture: Sendable {
        public var admin = ""
        public var owner = ""
        public var groupMaintainer = ""
        public var projectMaintainer = ""
        public var developer = ""
        public var outsider = ""
        public var group = 0
        public var project = 0
        public var otherProject = 0

        public init(_ client: some GitLabClient) throws {
            admin = try client.rootToken(scopes: ["api"])
            owner = try client.user("dt-owner", admin: admin).token
            let gm = try client.user("dt-gm", admin: admin)
            let pm = try client.user("dt-pm", admin: admin)
            let dev = try client.user("dt-dev", admin: admin)
            groupMaintainer = gm.token
            projectMaintainer = pm.token
            developer = dev.token
            outsider = try client.user("dt-out", admin: admin).token
            group = try Self.id(client.call("POST", "/groups", token: owner, form: "name=DT&path=dt"))
            project = try Self.id(client.call("POST", "/projects", token: owner, form: "name=App&path=app&namespace_id=\(group)"))
            otherProject = try Self.id(client.call("POST", "/projects", token: owner, form: "name=Other&path=other"))
            for (path, user, level) in [("groups/\(group)", gm.id, 40), ("projects/\(project)", pm.id, 40), ("projects/\(project)", dev.id, 30)] {
                let added = try client.call("POST", "/\(path)/members", token: owner, form: "user_id=\(user)&access_level=\(level)")
                guard added.status == 201 else { throw ScenarioError("member of \(path): \(added.status) \(added.body)") }
            }
        }

        static func id(_ response: TestResponse) throws -> Int {
            guard response.status == 201, let id = response.json?["id"]?.intValue else {
                throw ScenarioError("create: \(response.status) \(response.body)")
            }
            return id
        }
    }

    /// Creates a deploy token and returns its id, username and value.
    public static func create(
        _ client: some GitLabClient, _ path: String, token: String, json: String
    ) throws -> (id: Int, username: String, value: String) {
        let created = try client.call("POST", path, token: token, json: json)
        guard created.status == 201, let id = created.json?["id"]?.intValue, let username = created.json?["username"]?.stringValue,
            let value = created.json?["token"]?.stringValue
        else { throw ScenarioError("deploy token at \(path): \(created.status) \(created.body)") }
        return (id, username, value)
    }

    /// GitLab's rules and shapes: who may read, create and delete; the entity with the value
    /// once; scopes in GitLab's order; the default username; Grape's and the model's 400s;
    /// `token_id` errors; the admin list and its `active` filter; deletion destroys.
    public static func rulesAndShapes(_ client: some GitLabClient) throws {
        let f = try Fixture(client)
        let projectTokens = "/projects/\(f.project)/deploy_tokens"
        let groupTokens = "/groups/\(f.group)/deploy_tokens"

        let created = try client.call(
            "POST", projectTokens, token: f.projectMaintainer, json: #"{"name":"ci","scopes":["write_registry","read_repository"]}"#)
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.json?["id"]?.intValue)
        #expect(created.json?.objectKeys == ["id", "name", "username", "expires_at", "scopes", "revoked", "expired", "token"])
        #expect(created.json?["username"]?.stringValue == "gitlab+deploy-token-\(id)")
        #expect(created.json?["scopes"] == .array([.string("read_repository"), .string("write_registry")]))
        #expect(created.json?["expires_at"] == .null)
        #expect(created.json?["revoked"] == .bool(false) && created.json?["expired"] == .bool(false))
        let value = try #require(created.json?["token"]?.stringValue)
        #expect(value.hasPrefix("gldt-") && value.count >= 25)

        let shown = try client.call("GET", "\(projectTokens)/\(id)", token: f.projectMaintainer)
        #expect(shown.status == 200)
        #expect(shown.json?["token"] == nil, "the value is shown once")
        #expect(shown.json?["name"]?.stringValue == "ci")

        // Custom username, expiry as a date, scopes as `a,b` in a form.
        let custom = try client.call(
            "POST", projectTokens, token: f.owner, form: "name=pull&username=bar.baz%2B1&expires_at=2999-01-02&scopes=read_registry,read_package_registry")
        #expect(custom.status == 201, "\(custom.body)")
        #expect(custom.json?["username"]?.stringValue == "bar.baz+1")
        #expect(custom.json?["expires_at"]?.stringValue == "2999-01-02T00:00:00.000Z")
        #expect(custom.json?["scopes"] == .array([.string("read_registry"), .string("read_package_registry")]))

        // Grape's errors first, then the model's.
        for (json, status, body) in [
            (#"{"name":"x"}"#, 400, #"{"error":"scopes is missing"}"#),
            (#"{"scopes":["read_registry"]}"#, 400, #"{"error":"name is missing"}"#),
            (#"{"name":"x","scopes":["api"]}"#, 400, #"{"error":"scopes does not have a valid value"}"#),
            (#"{"name":"x","scopes":["read_registry"],"expires_at":"soon"}"#, 400, #"{"error":"expires_at is invalid"}"#),
            (#"{"name":"x","scopes":[]}"#, 400, #"{"message":"Scopes can't be blank"}"#),
            (#"{"name":"x","scopes":["read_registry"],"username":"no spaces"}"#, 400,
             #"{"message":"Username can contain only letters, digits, '_', '-', '+', and '.'"}"#),
            ("{\"name\":\"\(String(repeating: "n", count: 256))\",\"scopes\":[\"read_registry\"]}", 400,
             #"{"message":"Name is too long (maximum is 255 characters)"}"#),
            (#"{"name":"x","scopes":[],"username":"a b"}"#, 400,
             #"{"message":"Scopes can't be blank and Username can contain only letters, digits, '_', '-', '+', and '.'"}"#),
        ] {
            let refused = try client.call("POST", projectTokens, token: f.projectMaintainer, json: json)
            #expect(refused.status == status && refused.body == body, "\(json): \(refused.status) \(refused.body)")
        }

        // Who may: project Maintainers; not Developers (403); not outsiders of a private project (404).
        for method in ["GET", "POST"] {
            let json = method == "POST" ? #"{"name":"x","scopes":["read_registry"]}"# : nil
            let developer = try client.call(method, projectTokens, token: f.developer, json: json)
            #expect(developer.status == 403 && developer.body == #"{"message":"403 Forbidden"}"#, "\(method): \(developer.body)")
            let outsider = try client.call(method, projectTokens, token: f.outsider, json: json)
            #expect(outsider.status == 404 && outsider.body == #"{"message":"404 Project Not Found"}"#, "\(method): \(outsider.body)")
        }
        #expect(try client.call("GET", "\(projectTokens)/\(id)", token: f.developer).status == 403)
        #expect(try client.call("DELETE", "\(projectTokens)/\(id)", token: f.developer).status == 403)
        #expect(try client.call("GET", projectTokens).status == 401)

        // Groups: Maintainers read, Owners create and delete.
        #expect(try client.call("GET", groupTokens, token: f.groupMaintainer).status == 200)
        let byMaintainer = try client.call("POST", groupTokens, token: f.groupMaintainer, json: #"{"name":"g","scopes":["read_repository"]}"#)
        #expect(byMaintainer.status == 403, "\(byMaintainer.body)")
        let groupToken = try create(client, groupTokens, token: f.owner, json: #"{"name":"g","scopes":["read_repository"]}"#)
        #expect(try client.call("DELETE", "\(groupTokens)/\(groupToken.id)", token: f.groupMaintainer).status == 403)
        #expect(try client.call("GET", "\(groupTokens)/\(groupToken.id)", token: f.groupMaintainer).json?["name"]?.stringValue == "g")

        // token_id: Grape's 400 for a non-integer, 404 for another resource's token.
        let invalid = try client.call("GET", "\(projectTokens)/abc", token: f.projectMaintainer)
        #expect(invalid.status == 400 && invalid.body == #"{"error":"token_id is invalid"}"#, "\(invalid.body)")
        for path in ["\(projectTokens)/\(groupToken.id)", "\(groupTokens)/\(id)", "\(projectTokens)/999999"] {
            for method in ["GET", "DELETE"] {
                let missing = try client.call(method, path, token: f.owner)
                #expect(missing.status == 404 && missing.body == #"{"message":"404 Not found"}"#, "\(method) \(path): \(missing.body)")
            }
        }

        // The instance list: administrators only; `active` leaves out expired and revoked tokens.
        let expired = try create(client, projectTokens, token: f.owner, json: #"{"name":"old","scopes":["read_registry"],"expires_at":"2001-02-03"}"#)
        #expect(try client.call("GET", "/deploy_tokens", token: f.owner).status == 403)
        let all = try client.call("GET", "/deploy_tokens?per_page=100", token: f.admin)
        #expect(all.status == 200 && all.header("X-Total") != nil)
        let allIDs = all.json?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
        #expect([id, groupToken.id, expired.id].allSatisfy(allIDs.contains))
        #expect(all.json?.arrayValue?.first { $0["id"]?.intValue == expired.id }?["expired"] == .bool(true))
        let active = try client.call("GET", "/deploy_tokens?active=true&per_page=100", token: f.admin)
        let activeIDs = active.json?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
        #expect(activeIDs.contains(id) && !activeIDs.contains(expired.id))
        let projectActive = try client.call("GET", "\(projectTokens)?active=true", token: f.projectMaintainer)
        #expect(projectActive.json?.arrayValue?.contains { $0["id"]?.intValue == expired.id } == false)
        #expect(try client.call("GET", "\(projectTokens)?active=maybe", token: f.projectMaintainer).body == #"{"error":"active is invalid"}"#)

        // DELETE destroys the record.
        #expect(try client.call("DELETE", "\(projectTokens)/\(id)", token: f.projectMaintainer).status == 204)
        #expect(try client.call("GET", "\(projectTokens)/\(id)", token: f.projectMaintainer).status == 404)
        let after = try client.call("GET", projectTokens, token: f.projectMaintainer)
        #expect(after.json?.arrayValue?.contains { $0["id"]?.intValue == id } == false)
    }

    /// A deploy token never authenticates the REST API, in any header; the token information
    /// API finds it (GitLab's `DeployToken` entity) and revokes it.
    public static func apiRefusesAndAdminFinds(_ client: some GitLabClient) throws {
        let f = try Fixture(client)
        let token = try create(client, "/projects/\(f.project)/deploy_tokens", token: f.owner, json: #"{"name":"ci","scopes":["read_repository","read_registry"]}"#)
        for headers in [["PRIVATE-TOKEN": token.value], ["Authorization": "Bearer " + token.value],
                        ["Authorization": GateScenarios.basic(token.username, token.value)]] {
            for path in ["/user", "/projects/\(f.project)", "/projects/\(f.project)/deploy_tokens"] {
                let refused = try client.call("GET", path, headers: headers)
                #expect(refused.status == 401 || (path == "/projects/\(f.project)" && refused.status == 404), "\(path) \(headers.keys): \(refused.status)")
            }
        }
        #expect(try client.call("GET", "/user", headers: ["PRIVATE-TOKEN": token.value]).body == #"{"message":"401 Unauthorized"}"#)

        let found = try client.call("POST", "/admin/token", token: f.admin, json: "{\"token\":\"\(token.value)\"}")
        #expect(found.status == 200, "\(found.body)")
        #expect(found.json?["id"]?.intValue == token.id)
        #expect(found.json?.objectKeys == ["id", "name", "username", "expires_at", "scopes", "revoked", "expired"])
        let unknown = try client.call("POST", "/admin/token", token: f.admin, json: #"{"token":"gldt-nothing-like-this-1234"}"#)
        #expect(unknown.status == 404 && unknown.body == #"{"message":{"error":"Not found"}}"#, "\(unknown.body)")
        #expect(try client.call("POST", "/admin/token", token: f.owner, json: "{\"token\":\"\(token.value)\"}").status == 403)
        #expect(try client.call("DELETE", "/admin/token", token: f.admin, json: "{\"token\":\"\(token.value)\"}").status == 204)
        let revoked = try client.call("GET", "/projects/\(f.project)/deploy_tokens/\(token.id)", token: f.owner)
        #expect(revoked.json?["revoked"] == .bool(true))

        let destroyed = try create(client, "/groups/\(f.group)/deploy_tokens", token: f.owner, json: #"{"name":"gone","scopes":["read_registry"]}"#)
        #expect(try client.call("DELETE", "/groups/\(f.group)/deploy_tokens/\(destroyed.id)", token: f.owner).status == 204)

        try client.settleAudit()
        let events = try client.call("GET", "/audit_events?per_page=100", token: f.admin)
        let names = events.json?.arrayValue?.compactMap { $0["event_name"]?.stringValue } ?? []
        #expect(names.contains("deploy_token_created"), "\(names)")
        #expect(names.contains("deploy_token_destroyed"), "\(names)")
        let destroyedEvent = events.json?.arrayValue?.first { $0["event_name"]?.stringValue == "deploy_token_destroyed" }
        #expect(destroyedEvent?["entity_type"]?.stringValue == "Group" && destroyedEvent?["entity_id"]?.intValue == f.group, "\(destroyedEvent.map { "\($0)" } ?? "none")")
        #expect(names.contains("admin_token_revoked"), "\(names)")
        #expect(!events.body.contains(token.value), "no audit event holds the value")
    }

    /// The gate: HTTP Basic with the token's username (docker, git), or `Deploy-Token` alone
    /// (package managers), for the token's scopes and its own project or group (a group's
    /// token for the projects and subgroups below it), nothing else; revoked, expired and
    /// deleted tokens are 401.
    public static func gate(_ client: some GitLabClient) throws {
        let f = try Fixture(client)
        let projectToken = try create(client, "/projects/\(f.project)/deploy_tokens", token: f.owner, json: #"{"name":"reg","scopes":["read_registry"]}"#)
        let groupToken = try create(client, "/groups/\(f.group)/deploy_tokens", token: f.owner, json: #"{"name":"src","username":"puller","scopes":["read_repository"]}"#)
        let basic = GateScenarios.basic(projectToken.username, projectToken.value)
        let registry = "//-/auth/read_registry?project=\(f.project)"

        let ok = try client.call("GET", registry, headers: ["Authorization": basic])
        #expect(ok.status == 204, "\(ok.body)")
        #expect(ok.header("X-Tokend-Bot") == "true")
        #expect(ok.header("X-Tokend-Bot-Project") == "dt/app")
        #expect(ok.header("X-Tokend-Scopes") == "read_registry")
        for name in ["X-Tokend-User-Id", "X-Tokend-Username", "X-Tokend-Token-Id", "X-Tokend-Bot-Group"] {
            #expect((ok.header(name) ?? "") == "", "\(name): no person and no access token")
        }
        #expect(try client.call("GET", "//-/auth/read_registry?project=dt/app", headers: ["Authorization": basic]).status == 204)
        #expect(try client.call("GET", registry, headers: ["Deploy-Token": projectToken.value]).status == 204)

        // The wrong username, or the token where an access token goes: 401, with GitLab's challenge.
        let wrongUser = try client.call("GET", registry, headers: ["Authorization": GateScenarios.basic("docker", projectToken.value)])
        #expect(wrongUser.status == 401 && wrongUser.header("WWW-Authenticate") == #"Basic realm="tokend""#)
        #expect(try client.call("GET", registry, headers: ["PRIVATE-TOKEN": projectToken.value]).status == 401)
        #expect(try client.call("GET", registry, headers: ["Authorization": "Bearer " + projectToken.value]).status == 401)

        // Only its scopes, only its project, never a bare "any valid token".
        let lacking = try client.call("GET", "//-/auth/write_registry?project=\(f.project)", headers: ["Authorization": basic])
        #expect(lacking.status == 403 && lacking.json?["error"] == .string("insufficient_scope"))
        for path in ["//-/auth", "//-/auth/read_registry", "//-/auth/read_registry?project=\(f.otherProject)", "//-/auth/read_registry?group=\(f.group)"] {
            #expect(try client.call("GET", path, headers: ["Authorization": basic]).status == 403, "\(path)")
        }

        // A group's token: the group and the projects below it.
        let groupBasic = GateScenarios.basic("puller", groupToken.value)
        #expect(try client.call("GET", "//-/auth/read_repository?project=\(f.project)", headers: ["Authorization": groupBasic]).status == 204)
        let viaGroup = try client.call("GET", "//-/auth/read_repository?group=\(f.group)", headers: ["Authorization": groupBasic])
        #expect(viaGroup.status == 204 && viaGroup.header("X-Tokend-Bot-Group") == "dt")
        #expect(try client.call("GET", "//-/auth/read_repository?project=\(f.otherProject)", headers: ["Authorization": groupBasic]).status == 403)

        // Expired, revoked, deleted: 401.
        let expired = try create(client, "/projects/\(f.project)/deploy_tokens", token: f.owner, json: #"{"name":"old","scopes":["read_registry"],"expires_at":"2001-02-03"}"#)
        let expiredAnswer = try client.call("GET", registry, headers: ["Authorization": GateScenarios.basic(expired.username, expired.value)])
        #expect(expiredAnswer.status == 401, "\(expiredAnswer.body)")
        #expect(try client.call("DELETE", "/admin/token", token: f.admin, json: "{\"token\":\"\(groupToken.value)\"}").status == 204)
        #expect(try client.call("GET", "//-/auth/read_repository?project=\(f.project)", headers: ["Authorization": groupBasic]).status == 401)
        #expect(try client.call("DELETE", "/projects/\(f.project)/deploy_tokens/\(projectToken.id)", token: f.owner).status == 204)
        #expect(try client.call("GET", registry, headers: ["Authorization": basic]).status == 401)
    }
}

extension JSONValue {
    /// An object's keys (nil for anything else).
    var objectKeys: Set<String>? {
        guard case .object(let fields) = self else { return nil }
        return Set(fields.keys)
    }
}
