import JSON
import Testing

/// The security review's findings as scenarios any ``GitLabClient`` can run: in-process in
/// TokenAPITests, through nginx and a worker in IntegrationTests.
public enum SecurityScenarios {
    static let botRefusal = #"{"message":{"user_id":["project bots cannot be added to other groups / projects"]}}"#

    /// Finding 1: nobody can add another project's bot to a project they administer, and that
    /// project's token endpoints never reach the other's token.
    public static func anotherProjectsBotCannotBeTakenOver(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let victim = try client.user("victim", admin: admin)
        let attacker = try client.user("attacker", admin: admin)
        let project = try client.call("POST", "/projects", token: victim.token, form: "name=Prod")
        let projectID = try #require(project.json?["id"]?.intValue, "\(project.body)")
        let token = try client.call(
            "POST", "/projects/\(projectID)/access_tokens", token: victim.token, json: #"{"name":"deploy","scopes":["api"]}"#)
        let bot = try #require(token.json?["user_id"]?.intValue, "\(token.body)")
        let tokenID = try #require(token.json?["id"]?.intValue)
        let mine = try #require(try client.call("POST", "/projects", token: attacker.token, form: "name=Mine").json?["id"]?.intValue)
        let added = try client.call("POST", "/projects/\(mine)/members", token: attacker.token, form: "user_id=\(bot)&access_level=50")
        #expect(added.status == 400)
        #expect(added.body == botRefusal)
        #expect(try client.call("POST", "/projects/\(mine)/members", token: admin, form: "user_id=\(bot)&access_level=10").body == botRefusal)
        let rotated = try client.call("POST", "/projects/\(mine)/access_tokens/\(tokenID)/rotate", token: attacker.token)
        #expect(rotated.status == 401)
        #expect(rotated.json?["token"] == nil)
        #expect(try client.call("GET", "/projects/\(mine)/access_tokens", token: attacker.token).body == "[]")
        #expect(try client.call("GET", "/projects/\(mine)/access_tokens/\(tokenID)", token: attacker.token).body
            == #"{"message":"404 project Access Token Not Found"}"#)
        #expect(try client.call("GET", "/projects/\(projectID)/access_tokens/\(tokenID)", token: victim.token).json?["active"] == .bool(true))
        // A group's bot cannot join a project either, nor a project's bot a group.
        let group = try client.call("POST", "/groups", token: victim.token, form: "name=Ops&path=ops")
        let groupID = try #require(group.json?["id"]?.intValue, "\(group.body)")
        let groupToken = try client.call("POST", "/groups/\(groupID)/access_tokens", token: victim.token, json: #"{"name":"g","scopes":["api"]}"#)
        let groupBot = try #require(groupToken.json?["user_id"]?.intValue, "\(groupToken.body)")
        #expect(try client.call("POST", "/projects/\(mine)/members", token: attacker.token, form: "user_id=\(groupBot)&access_level=10").body == botRefusal)
        #expect(try client.call("POST", "/groups/\(groupID)/members", token: victim.token, form: "user_id=\(bot)&access_level=10").body == botRefusal)
        // Its own resource still answers as before: it is already a member there.
        #expect(try client.call("POST", "/projects/\(projectID)/members", token: victim.token, form: "user_id=\(bot)&access_level=30").status == 409)
    }

    /// Finding 2: `Sudo` naming the token's own user keeps the endpoint's scopes; naming another
    /// user acts with that user's rights.
    public static func sudoToOneselfKeepsTheEndpointsScopes(_ client: some GitLabClient) throws {
        let readSudo = try client.rootToken(scopes: ["read_api", "sudo"])
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        for me in ["root", "1"] {
            let created = try client.call(
                "POST", "/users", token: readSudo, headers: ["Sudo": me], form: "username=eve&name=Eve&email=eve@example.com&admin=true")
            #expect(created.status == 403)
            #expect(created.json?["error"] == .string("insufficient_scope"))
        }
        #expect(try client.call("GET", "/users?username=eve", token: admin).body == "[]")
        #expect(try client.call("GET", "/user", token: readSudo, headers: ["Sudo": "root"]).json?["username"] == .string("root"))
        let impersonation = try client.call(
            "POST", "/users/\(alice.id)/impersonation_tokens", token: readSudo, headers: ["Sudo": "root"],
            form: "name=x&scopes=api&expires_at=2099-01-01")
        #expect(impersonation.status == 403)
        #expect(impersonation.json?["token"] == nil)
        let sudoOnly = try client.rootToken(scopes: ["sudo"])
        #expect(try client.call("GET", "/user", token: sudoOnly, headers: ["Sudo": "alice"]).json?["id"]?.intValue == alice.id)
        #expect(try client.call("GET", "/user", token: sudoOnly, headers: ["Sudo": "root"]).status == 403)
        // Sudo to another user acts with that user's rights: alice may not create users.
        #expect(try client.call("POST", "/users", token: sudoOnly, headers: ["Sudo": "alice"], form: "username=x&name=x&email=x@x").body
            == #"{"message":"403 Forbidden"}"#)
    }

    /// Finding 4: non-admins never see another user's (or a bot's) e-mail address.
    public static func privateAddressesStayPrivate(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        let reader = try client.user("reader", admin: admin, scopes: "read_user")
        let project = try client.call("POST", "/projects", token: alice.token, form: "name=P")
        let projectID = try #require(project.json?["id"]?.intValue, "\(project.body)")
        let botToken = try client.call("POST", "/projects/\(projectID)/access_tokens", token: alice.token, json: #"{"name":"b","scopes":["api"]}"#)
        let bot = try #require(botToken.json?["user_id"]?.intValue, "\(botToken.body)")
        for token in [alice.token, reader.token] {
            let list = try client.call("GET", "/users", token: token)
            #expect(list.status == 200)
            #expect(!list.body.contains("@"), "\(list.body)")
            #expect(list.json?.arrayValue?.first?.objectValue.map { Set($0.keys) }
                == ["id", "username", "name", "state", "locked", "avatar_url", "web_url"])
            for id in [1, alice.id, bot] {
                let one = try client.call("GET", "/users/\(id)", token: token)
                #expect(one.status == 200)
                #expect(one.json?["email"] == nil)
                #expect(one.json?["is_admin"] == nil)
                #expect(one.json?["public_email"] == .null)
                #expect(!one.body.contains("@"), "\(one.body)")
            }
        }
        #expect(try client.call("GET", "/users/\(bot)", token: admin).json?["email"]?.stringValue?.contains("@noreply.") == true)
        #expect(try client.call("GET", "/user", token: admin).json?["is_admin"] == .bool(true))
        #expect(try client.call("GET", "/user", token: alice.token).json?["email"] == .string("alice@example.com"))
        #expect(try client.call("GET", "/users/\(alice.id)", token: admin).json?["email"] == .string("alice@example.com"))
    }
}
