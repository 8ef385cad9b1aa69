import JSON
import Testing
import TokenCore
import TokendTesting

/// Impersonation tokens and the Users API in-process, with GitLab's status codes and bodies.
struct ImpersonationAndUserAPITests {
    let client = TestClient()

    func admin() throws -> String {
        try client.createToken(for: try client.repository.read { $0.user(UserID(1))! }, name: "admin")
    }

    @Test func impersonationTokensAreAdminOnlyInGitLabsOrder() throws {
        let admin = try admin()
        let alice = try client.createUser("alice")
        let aliceToken = try client.createToken(for: alice)
        // Non-admin: 403 even for a missing user and bad parameters; unauthenticated: 401.
        #expect(client.request("POST", "/users/999/impersonation_tokens", token: aliceToken).body == #"{"message":"403 Forbidden"}"#)
        #expect(client.request("GET", "/users/999/impersonation_tokens?state=x", token: aliceToken).status == 403)
        #expect(client.request("GET", "/users/\(alice.id)/impersonation_tokens").status == 401)
        #expect(client.request("POST", "/users/\(alice.id)/impersonation_tokens", token: admin).body == #"{"error":"name is missing"}"#)
        #expect(client.request("POST", "/users/999/impersonation_tokens", token: admin, form: "name=x").body == #"{"message":"404 User Not Found"}"#)
        #expect(client.request("POST", "/users/\(alice.id)/impersonation_tokens", token: admin, form: "name=x&scopes=api").body == #"{"message":{"expires_at":["can't be blank"]}}"#)
        #expect(client.request("POST", "/users/\(alice.id)/impersonation_tokens", token: admin, form: "name=x&expires_at=2026-07-01").body == #"{"message":{"scopes":["can't be blank"]}}"#)
        #expect(client.request("POST", "/users/\(alice.id)/impersonation_tokens", token: admin, form: "name=x&scopes=nope&expires_at=2026-07-01").body == #"{"message":{"scopes":["can only contain available scopes"]}}"#)
        let created = client.request("POST", "/users/\(alice.id)/impersonation_tokens", token: admin, form: "name=imp&scopes=api,read_user&expires_at=2016-12-28")
        #expect(created.status == 201)
        #expect(created.json?["impersonation"] == .bool(true))
        #expect(created.json?["active"] == .bool(false))
        #expect(created.json?["scopes"] == .array([.string("api"), .string("read_user")]))
        #expect(created.json?["token"] != nil)
    }

    @Test func impersonationTokensActAsTheUserButStayHiddenFromThem() throws {
        let admin = try admin()
        let alice = try client.createUser("alice")
        let aliceToken = try client.createToken(for: alice, name: "own")
        let created = client.request("POST", "/users/\(alice.id)/impersonation_tokens", token: admin, json: #"{"name":"imp","scopes":["api"],"expires_at":"2026-08-01"}"#)
        let imp = try #require(created.json?["token"]?.stringValue)
        let id = try #require(created.json?["id"]?.intValue)
        #expect(client.request("GET", "/user", token: imp).json?["username"] == .string("alice"))
        #expect(client.request("GET", "/personal_access_tokens", token: aliceToken).json?.arrayValue?.count == 1)
        #expect(client.request("DELETE", "/personal_access_tokens/self", token: imp).body == #"{"message":"400 Bad request - Not permitted to revoke"}"#)
        let list = client.request("GET", "/users/\(alice.id)/impersonation_tokens", token: admin)
        #expect(list.json?.arrayValue?.count == 1)
        #expect(list.header("X-Total") == "1")
        #expect(client.request("GET", "/users/\(alice.id)/impersonation_tokens?state=inactive", token: admin).json?.arrayValue?.isEmpty == true)
        #expect(client.request("GET", "/users/\(alice.id)/impersonation_tokens?state=bogus", token: admin).body == #"{"error":"state does not have a valid value"}"#)
        #expect(client.request("GET", "/users/\(alice.id)/impersonation_tokens/\(id)", token: admin).json?["impersonation"] == .bool(true))
        #expect(client.request("GET", "/users/\(alice.id)/impersonation_tokens/2", token: admin).body == #"{"message":"404 Impersonation Token Not Found"}"#)
        #expect(client.request("DELETE", "/users/\(alice.id)/impersonation_tokens/\(id)", token: admin, headers: ["if-unmodified-since": "Mon, 01 Jan 2024 00:00:00 GMT"]).body == #"{"message":"412 Precondition Failed"}"#)
        #expect(client.request("DELETE", "/users/\(alice.id)/impersonation_tokens/\(id)", token: admin, headers: ["if-unmodified-since": "Mon, 01 Jan 2035 00:00:00 GMT"]).status == 204)
        let after = client.request("GET", "/users/\(alice.id)/impersonation_tokens/\(id)", token: admin)
        #expect(after.json?["revoked"] == .bool(true))
        #expect(after.json?["active"] == .bool(false))
        #expect(client.request("GET", "/user", token: imp).status == 401)
    }

    @Test func usersCanBeCreatedListedBlockedAndDeleted() throws {
        let admin = try admin()
        let created = client.request("POST", "/users", token: admin, form: "username=carol&name=Carol&email=carol@example.com")
        #expect(created.status == 201)
        #expect(created.json?["username"] == .string("carol"))
        #expect(created.json?["is_admin"] == .bool(false))
        let carol = try #require(created.json?["id"]?.intValue)
        #expect(client.request("POST", "/users", token: admin, form: "username=CAROL&name=C&email=c2@example.com").body == #"{"message":"Username has already been taken"}"#)
        #expect(client.request("POST", "/users", token: admin, form: "username=dave&name=D&email=Carol@example.com").status == 409)
        #expect(client.request("POST", "/users", token: admin, form: "username=-bad&name=D&email=d@example.com").status == 400)
        #expect(client.request("POST", "/users", token: admin).body == #"{"error":"email is missing, name is missing, username is missing"}"#)
        let user = try client.repository.read { $0.user(UserID(carol))! }
        let token = try client.createToken(for: user, scopes: ["read_user"])
        #expect(client.request("POST", "/users", token: token, form: "username=x&name=x&email=x@x").status == 403)
        #expect(client.request("GET", "/users?username=CAROL", token: token).json?.arrayValue?.count == 1)
        let shown = client.request("GET", "/users/\(carol)", token: token)
        #expect(shown.json?["bot"] == .bool(false))
        #expect(shown.json?["is_admin"] == nil)
        #expect(client.request("GET", "/users/\(carol)", token: admin).json?["is_admin"] == .bool(false))
        #expect(client.request("GET", "/users/999", token: admin).body == #"{"message":"404 User Not Found"}"#)

        #expect(client.request("POST", "/users/\(carol)/block", token: admin).body == "true")
        #expect(client.request("GET", "/user", token: token).body == #"{"message":"403 Forbidden - Your account has been blocked."}"#)
        #expect(client.request("POST", "/users/\(carol)/unblock", token: admin).status == 201)
        #expect(client.request("GET", "/user", token: token).status == 200)
        #expect(client.request("DELETE", "/users/\(carol)", token: admin).status == 204)
        #expect(client.request("GET", "/user", token: token).status == 401)
        #expect(client.request("DELETE", "/users/\(carol)", token: admin).status == 404)
    }
}
