import JSON
import Testing
import TokenCore
import TokendTesting

/// Security review, finding 4: private e-mail addresses (people's and bots') reach only
/// administrators and the user themself, through GitLab's entities: `UserBasic` for the list,
/// `User` (only `public_email`) for one user, `UserPublic` for `GET /user`, `UserWithAdmin` for
/// admins.
struct UserPrivacyTests {
    @Test func nonAdminsNeverSeeAnotherUsersEmail() throws {
        let f = try ResourceFixture()
        let bot = f.client.request("POST", "/projects/\(f.project)/access_tokens", token: f.maintainer, json: #"{"name":"b","scopes":["api"]}"#)
        let botID = try #require(bot.json?["user_id"]?.intValue)
        let readUser = try f.client.createToken(for: try f.client.repository.read { $0.user(username: "developer")! }, scopes: ["read_user"])
        for token in [f.developer, readUser] {
            let list = f.client.request("GET", "/users", token: token)
            #expect(list.status == 200)
            #expect(!list.body.contains("@"), "\(list.body)")
            #expect(list.json?.arrayValue?.first?.objectValue.map { Set($0.keys) }
                == ["id", "username", "name", "state", "locked", "avatar_url", "web_url"])
            for id in [1, f.ids["owner"]!, f.ids["developer"]!, botID] {
                let one = f.client.request("GET", "/users/\(id)", token: token)
                #expect(one.status == 200)
                #expect(one.json?["email"] == nil)
                #expect(one.json?["is_admin"] == nil)
                #expect(one.json?["public_email"] == .null)
                #expect(!one.body.contains("@example.com") && !one.body.contains("@noreply"), "\(one.body)")
            }
        }
        // Oneself: the address through GET /user only.
        let me = f.client.request("GET", "/user", token: f.developer)
        #expect(me.json?["email"] == .string("developer@example.com"))
        #expect(me.json?["is_admin"] == nil)
    }

    @Test func adminsSeeEverything() throws {
        let f = try ResourceFixture()
        let list = f.client.request("GET", "/users", token: f.admin)
        #expect(list.json?.arrayValue?.allSatisfy { $0["email"]?.stringValue?.contains("@") == true && $0["is_admin"] != nil } == true)
        #expect(f.client.request("GET", "/users/\(f.ids["owner"]!)", token: f.admin).json?["email"] == .string("owner@example.com"))
        #expect(f.client.request("GET", "/user", token: f.admin).json?["is_admin"] == .bool(true))
    }
}
