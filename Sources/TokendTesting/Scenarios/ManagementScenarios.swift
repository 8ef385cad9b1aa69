import JSON
import Testing

/// The users, projects and groups surface GitLab clients call, as scenarios any
/// ``GitLabClient`` runs: in-process in TokenAPITests, through nginx in IntegrationTests.
public enum ManagementScenarios {
    static let accepted = #"{"message":"202 Accepted"}"#

    static func id(_ response: TestResponse) throws -> Int {
        try #require(response.json?["id"]?.intValue, "\(response.status) \(response.body)")
    }

    static func paths(_ response: TestResponse, _ key: String = "path_with_namespace") -> [String] {
        response.json?.arrayValue?.compactMap { $0[key]?.stringValue } ?? []
    }

    /// `GET /projects` and `GET /groups` (and HEAD): paginated, filtered, and scoped as GitLab
    /// scopes them (admins everything, others what they belong to or may see, anonymous
    /// callers public ones).
    public static func listsAreScopedFilteredAndPaginated(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        let bob = try client.user("bob", admin: admin)
        let group = try id(try client.call("POST", "/groups", token: alice.token, form: "name=Acme&path=acme&visibility=internal"))
        _ = try id(try client.call("POST", "/groups", token: alice.token, form: "name=Tools&path=tools&parent_id=\(group)"))
        _ = try id(try client.call("POST", "/groups", token: alice.token, form: "name=Vault&path=vault"))
        _ = try id(try client.call("POST", "/projects", token: alice.token, form: "name=Web&namespace_id=acme"))
        _ = try id(try client.call("POST", "/projects", token: alice.token, form: "name=Site&visibility=public"))
        _ = try id(try client.call("POST", "/projects", token: bob.token, form: "name=Notes&visibility=internal"))

        let all = try client.call("GET", "/projects", token: admin)
        #expect(all.status == 200)
        #expect(paths(all) == ["bob/notes", "alice/site", "acme/web"], "newest first")
        #expect(all.header("X-Total") == "3")
        let head = try client.call("HEAD", "/projects", token: admin)
        #expect(head.status == 200 && head.body.isEmpty && head.header("X-Total") == "3")
        #expect(paths(try client.call("GET", "/projects", token: bob.token)) == ["bob/notes", "alice/site"])
        #expect(paths(try client.call("GET", "/projects")) == ["alice/site"], "anonymous: public only")
        #expect(paths(try client.call("GET", "/projects?owned=true", token: alice.token)) == ["alice/site", "acme/web"])
        #expect(paths(try client.call("GET", "/projects?membership=true", token: bob.token)) == ["bob/notes"])
        #expect(paths(try client.call("GET", "/projects?search=web&order_by=name&sort=asc", token: admin)) == ["acme/web"])
        let page = try client.call("GET", "/projects?per_page=1&page=2&order_by=id&sort=asc", token: admin)
        #expect(paths(page) == ["alice/site"])
        #expect(page.header("X-Next-Page") == "3" && page.header("X-Prev-Page") == "1" && page.header("X-Total-Pages") == "3")
        #expect(page.header("Link")?.contains("order_by=id") == true)
        let simple = try client.call("GET", "/projects?simple=true&search=site", token: admin)
        #expect(simple.json?.arrayValue?.first?["visibility"] == nil && simple.json?.arrayValue?.first?["namespace"] != nil)
        #expect(try client.call("GET", "/projects?order_by=stars", token: admin).body == #"{"error":"order_by does not have a valid value"}"#)

        #expect(paths(try client.call("GET", "/groups", token: admin), "full_path") == ["acme", "acme/tools", "vault"])
        #expect(paths(try client.call("GET", "/groups", token: bob.token), "full_path") == [], "bob belongs to no group")
        #expect(paths(try client.call("GET", "/groups?all_available=true", token: bob.token), "full_path") == ["acme"])
        #expect(paths(try client.call("GET", "/groups", token: nil), "full_path") == [])
        #expect(paths(try client.call("GET", "/groups?top_level_only=true&skip_groups[]=\(group)", token: admin), "full_path") == ["vault"])
        #expect(paths(try client.call("GET", "/groups?search=tools", token: alice.token), "full_path") == ["acme/tools"])
        #expect(paths(try client.call("GET", "/groups/acme/subgroups", token: alice.token), "full_path") == ["acme/tools"])
        #expect(paths(try client.call("GET", "/groups/\(group)/descendant_groups", token: alice.token), "full_path") == ["acme/tools"])
        #expect(try client.call("GET", "/groups/vault/subgroups", token: bob.token).body == #"{"message":"404 Group Not Found"}"#)
        #expect(paths(try client.call("GET", "/projects/acme%2Fweb/groups", token: alice.token), "full_path") == ["acme"])
    }

    /// `DELETE /projects/:id` and `/groups/:id`: 202 for Owners, the resource's members, bots
    /// and their tokens gone with it; 403 for other members, 404 for those who cannot see it.
    public static func deletionIsAcceptedAndCascades(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        let bob = try client.user("bob", admin: admin)
        let carol = try client.user("carol", admin: admin)
        let group = try id(try client.call("POST", "/groups", token: alice.token, form: "name=Acme&path=acme"))
        let sub = try id(try client.call("POST", "/groups", token: alice.token, form: "name=Sub&path=sub&parent_id=\(group)"))
        let project = try id(try client.call("POST", "/projects", token: alice.token, form: "name=Web&namespace_id=\(sub)"))
        _ = try client.call("POST", "/projects/\(project)/members", token: alice.token, form: "user_id=\(bob.id)&access_level=40")
        let token = try client.call("POST", "/projects/\(project)/access_tokens", token: alice.token, json: #"{"name":"ci","scopes":["read_api"]}"#)
        let bot = try #require(token.json?["token"]?.stringValue, "\(token.body)")
        let botID = try #require(token.json?["user_id"]?.intValue)
        #expect(try client.call("GET", "/projects/\(project)", token: bot).status == 200)

        #expect(try client.call("DELETE", "/projects/\(project)", token: bob.token).body == #"{"message":"403 Forbidden"}"#, "a Maintainer")
        #expect(try client.call("DELETE", "/projects/\(project)", token: carol.token).body == #"{"message":"404 Project Not Found"}"#)
        #expect(try client.call("DELETE", "/groups/\(group)", token: bob.token).body == #"{"message":"404 Group Not Found"}"#)
        let deleted = try client.call("DELETE", "/groups/\(group)", token: alice.token)
        #expect(deleted.status == 202)
        #expect(deleted.body == accepted)
        #expect(deleted.header("Content-Type") == "application/json")
        for path in ["/groups/\(group)", "/groups/\(sub)", "/projects/\(project)"] {
            #expect(try client.call("GET", path, token: admin).status == 404, "\(path)")
        }
        #expect(try client.call("GET", "/user", token: bot).status == 401, "the bot's token went with its project")
        #expect(try client.call("GET", "/users/\(botID)", token: admin).status == 404)
        #expect(try client.call("GET", "/users/\(bob.id)/memberships", token: admin).body == "[]")
        // The path is free again.
        #expect(try client.call("POST", "/groups", token: alice.token, form: "name=Acme&path=acme").status == 201)
        let personal = try id(try client.call("POST", "/projects", token: bob.token, form: "name=Mine"))
        #expect(try client.call("DELETE", "/projects/bob%2Fmine", token: admin).body == accepted)
        #expect(try client.call("GET", "/projects/\(personal)", token: bob.token).status == 404)
    }

    /// `GET /users` filters; non-admins get `UserBasic` (no e-mail, even when searching by one);
    /// blocking or unblocking twice answers as GitLab returns early.
    public static func usersAreFilteredAndBlockingIsIdempotent(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        let bob = try client.user("bob", admin: admin)
        let project = try id(try client.call("POST", "/projects", token: alice.token, form: "name=Web"))
        _ = try client.call("POST", "/projects/\(project)/access_tokens", token: alice.token, json: #"{"name":"ci","scopes":["read_api"]}"#)

        #expect(paths(try client.call("GET", "/users?search=ali", token: admin), "username") == ["alice"])
        #expect(paths(try client.call("GET", "/users?search=bob@example.com", token: admin), "username") == ["bob"])
        let basic = try client.call("GET", "/users?search=bob@example.com", token: alice.token)
        #expect(basic.body == "[]", "non-admins cannot find users by private e-mail")
        #expect(paths(try client.call("GET", "/users?without_project_bots=true", token: admin), "username") == ["bob", "alice", "root"])
        #expect(try client.call("GET", "/users?external=true", token: admin).body == "[]")
        #expect(paths(try client.call("GET", "/users?order_by=username&sort=asc&without_project_bots=true", token: admin), "username")
            == ["alice", "bob", "root"])

        #expect(try client.call("POST", "/users/\(bob.id)/block", token: admin).body == "true")
        let again = try client.call("POST", "/users/\(bob.id)/block", token: admin)
        #expect(again.status == 201 && again.body == "null")
        #expect(paths(try client.call("GET", "/users?blocked=true", token: admin), "username") == ["bob"])
        #expect(try client.call("GET", "/users?blocked=true", token: alice.token).body == "[]", "non-admins see active users only")
        #expect(!paths(try client.call("GET", "/users?active=true", token: admin), "username").contains("bob"))
        #expect(try client.call("POST", "/users/\(bob.id)/unblock", token: admin).body == "true")
        let unblocked = try client.call("POST", "/users/\(bob.id)/unblock", token: admin)
        #expect(unblocked.status == 201 && unblocked.body == "false")
        #expect(try client.call("POST", "/users/1/block", token: admin).body
            == #"{"message":"403 Forbidden - The API initiating user cannot be blocked by the API"}"#)
        let list = try client.call("GET", "/users", token: bob.token)
        #expect(!list.body.contains("@"))
    }

    /// `PUT /projects/:id` and `/groups/:id`: who may change what, GitLab's validation, and a
    /// new group path carried to its projects.
    public static func updatesFollowGitLabsRules(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        let bob = try client.user("bob", admin: admin)
        let group = try id(try client.call("POST", "/groups", token: alice.token, form: "name=Acme&path=acme"))
        let project = try id(try client.call("POST", "/projects", token: alice.token, form: "name=Web&namespace_id=\(group)"))
        _ = try client.call("POST", "/projects/\(project)/members", token: alice.token, form: "user_id=\(bob.id)&access_level=40")

        let renamed = try client.call("PUT", "/groups/\(group)", token: alice.token, json: #"{"path":"acme-corp","description":"Tools"}"#)
        #expect(renamed.status == 200)
        #expect(renamed.json?["full_path"] == .string("acme-corp"))
        #expect(renamed.json?["shared_with_groups"] == .array([]))
        #expect(try client.call("GET", "/projects/\(project)", token: alice.token).json?["path_with_namespace"] == .string("acme-corp/web"))
        #expect(try client.call("GET", "/projects/acme-corp%2Fweb", token: bob.token).status == 200)
        #expect(try client.call("PUT", "/groups/\(group)", token: bob.token, form: "description=x").status == 404, "bob cannot see the group")

        let described = try client.call("PUT", "/projects/\(project)", token: bob.token, form: "description=Docs")
        #expect(described.status == 200 && described.json?["description"] == .string("Docs"))
        #expect(try client.call("PUT", "/projects/\(project)", token: bob.token, form: "name=Other").body == #"{"message":"403 Forbidden"}"#)
        #expect(try client.call("PUT", "/projects/\(project)", token: alice.token, form: "visibility=public").body
            == #"{"message":{"visibility_level":["public is not allowed in a private group."]}}"#)
        #expect(try client.call("PUT", "/projects/\(project)", token: alice.token, form: "path=bad%20path").body
            == #"{"message":{"path":["can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or end in '.atom'"]}}"#)
        #expect(try client.call("PUT", "/projects/\(project)", token: alice.token, form: "name=\(String(repeating: "n", count: 256))").body
            == #"{"message":{"name":["is too long (maximum is 255 characters)"]}}"#)
        #expect(try client.call("PUT", "/projects/\(project)", token: alice.token, form: "").body
            == #"{"error":"name, path, description, visibility are missing, at least one parameter must be provided"}"#)
        let opened = try client.call("PUT", "/groups/\(group)", token: alice.token, form: "visibility=public")
        #expect(opened.json?["visibility"] == .string("public"))
        #expect(try client.call("PUT", "/projects/\(project)", token: alice.token, form: "visibility=public&name=Web%20Site").json?["name"]
            == .string("Web Site"))
        #expect(try client.call("PUT", "/groups/\(group)", token: alice.token, form: "visibility=private").body
            == #"{"message":{"visibility_level":["private is not allowed since this group contains projects with higher visibility."]}}"#)
    }

    /// `GET /personal_access_tokens?user_id=` takes a username as the seed pages document it:
    /// admins get that user's tokens, others 401 unless it names themselves; an unknown
    /// username answers as an unknown id does.
    public static func tokensAreListedByUsername(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        let bob = try client.user("bob", admin: admin)
        let byID = try client.call("GET", "/personal_access_tokens?user_id=\(alice.id)", token: admin)
        let byName = try client.call("GET", "/personal_access_tokens?user_id=ALICE", token: admin)
        #expect(byName.status == 200 && byName.body == byID.body && byName.json?.arrayValue?.count == 1)
        #expect(try client.call("GET", "/personal_access_tokens?user_id=nobody", token: admin).body
            == (try client.call("GET", "/personal_access_tokens?user_id=99999", token: admin).body))
        #expect(try client.call("GET", "/personal_access_tokens?user_id=nobody", token: admin).status == 404)
        #expect(try client.call("GET", "/personal_access_tokens?user_id=alice", token: bob.token).body == #"{"message":"401 Unauthorized"}"#)
        #expect(try client.call("GET", "/personal_access_tokens?user_id=bob", token: bob.token).json?.arrayValue?.count == 1)
    }

    /// `GET /users/:id/memberships` (admins) and sharing a group with another: the invited
    /// group's members reach the shared group at most at the share's level, and lose it when the
    /// share ends.
    public static func membershipsAndShares(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api", "sudo"])
        let alice = try client.user("alice", admin: admin)
        let bob = try client.user("bob", admin: admin)
        let acme = try id(try client.call("POST", "/groups", token: alice.token, form: "name=Acme&path=acme"))
        let team = try id(try client.call("POST", "/groups", token: alice.token, form: "name=Team&path=team"))
        let project = try id(try client.call("POST", "/projects", token: alice.token, form: "name=Web&namespace_id=\(acme)"))
        _ = try client.call("POST", "/groups/\(team)/members", token: alice.token, form: "user_id=\(bob.id)&access_level=40")

        let memberships = try client.call("GET", "/users/\(bob.id)/memberships", token: admin)
        #expect(memberships.body == #"[{"source_id":\#(team),"source_name":"Team","source_type":"Namespace","access_level":40}]"#)
        #expect(try client.call("GET", "/users/\(bob.id)/memberships?type=Project", token: admin).body == "[]")
        #expect(try client.call("GET", "/users/\(bob.id)/memberships?type=Group", token: admin).body
            == #"{"error":"type does not have a valid value"}"#)
        #expect(try client.call("GET", "/users/\(bob.id)/memberships", token: admin, headers: ["Sudo": "alice"]).body == #"{"message":"403 Forbidden"}"#)
        #expect(try client.call("GET", "/users/999/memberships", token: admin).body == #"{"message":"404 User Not Found"}"#)
        // Grape checks the parameters before the endpoint asks for an administrator.
        #expect(try client.call("GET", "/users/abc/memberships", token: alice.token).body == #"{"error":"user_id is invalid"}"#)
        #expect(try client.call("GET", "/users/\(bob.id)/memberships?type=Group", token: alice.token).status == 400)
        #expect(try client.call("GET", "/users/\(bob.id)/memberships", token: alice.token).body == #"{"message":"403 Forbidden"}"#)

        #expect(try client.call("GET", "/projects/\(project)", token: bob.token).status == 404)
        #expect(try client.call("POST", "/groups/\(acme)/share", token: bob.token, form: "group_id=\(team)&group_access=30").status == 404)
        let shared = try client.call("POST", "/groups/\(acme)/share", token: alice.token, form: "group_id=\(team)&group_access=20")
        #expect(shared.status == 201)
        #expect(shared.json?["shared_with_groups"] == .array([.object([
            "group_id": .integer(Int64(team)), "group_name": .string("Team"), "group_full_path": .string("team"),
            "group_access_level": .integer(20), "expires_at": .null,
        ])]))
        #expect(try client.call("POST", "/groups/\(acme)/share", token: alice.token, form: "group_id=\(team)&group_access=20").body
            == #"{"message":"Shared group The group has already been shared with this group"}"#)
        #expect(try client.call("GET", "/projects/\(project)", token: bob.token).status == 200, "bob reaches the project through the share")
        let all = try client.call("GET", "/groups/\(acme)/members/all", token: alice.token)
        #expect(all.json?.arrayValue?.first { $0["id"]?.intValue == bob.id }?["access_level"] == .integer(20), "capped at the share's level")
        #expect(try client.call("DELETE", "/projects/\(project)/members/\(bob.id)", token: bob.token).status == 404, "bob is no direct member")
        #expect(try client.call("GET", "/groups/\(acme)", token: bob.token).json?["shared_with_groups"]?.arrayValue?.count == 1)
        #expect(try client.call("DELETE", "/groups/\(acme)/share/\(team)", token: alice.token).status == 204)
        #expect(try client.call("DELETE", "/groups/\(acme)/share/\(team)", token: alice.token).body == #"{"message":"404 Group Link Not Found"}"#)
        #expect(try client.call("GET", "/projects/\(project)", token: bob.token).status == 404)
    }
}
