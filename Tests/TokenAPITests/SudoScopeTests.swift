import JSON
import Testing
import TokenCore
import TokendTesting

/// Security review, finding 2: `Sudo` naming the token's own user is no sudo at all (GitLab's
/// `sudo?` compares the sudoed user with the token's), so the endpoint's scopes still apply.
/// Sudo to another user acts with that user's rights and no further scope check, as in GitLab.
struct SudoScopeTests {
    struct Scene {
        let client = TestClient()
        let alice: User
        /// Root's tokens: `read_api`+`sudo`, and `sudo` alone.
        let readSudo: String
        let sudoOnly: String

        init() throws {
            alice = try client.createUser("alice")
            let root = try client.repository.read { $0.user(UserID(1))! }
            readSudo = try client.createToken(for: root, name: "read+sudo", scopes: ["read_api", "sudo"])
            sudoOnly = try client.createToken(for: root, name: "sudo", scopes: ["sudo"])
        }
    }

    @Test(arguments: ["root", "1", "ROOT"])
    func sudoToOneselfKeepsTheEndpointsScopes(_ me: String) throws {
        let s = try Scene()
        let create = s.client.request(
            "POST", "/users", token: s.readSudo, headers: ["sudo": me], form: "username=eve&name=Eve&email=eve@example.com&admin=true")
        #expect(create.status == 403)
        #expect(create.json?["error"] == .string("insufficient_scope"))
        #expect(s.client.request("GET", "/users?username=eve", token: s.readSudo).body == "[]")
        let impersonation = s.client.request(
            "POST", "/users/\(s.alice.id)/impersonation_tokens", token: s.readSudo, headers: ["sudo": me],
            form: "name=x&scopes=api&expires_at=2026-07-01")
        #expect(impersonation.status == 403)
        #expect(impersonation.json?["token"] == nil)
        // The sudo scope alone reads nothing either, once sudo is to oneself.
        #expect(s.client.request("GET", "/user", token: s.sudoOnly, headers: ["sudo": me]).body.contains("insufficient_scope"))
        #expect(s.client.request("POST", "/users", token: s.sudoOnly, headers: ["sudo": me], form: "username=x&name=x&email=x@x").status == 403)
    }

    @Test func sudoToAnotherUserActsWithTheirRights() throws {
        let s = try Scene()
        // GitLab checks no further scope when sudo is in effect: reads and writes as alice.
        #expect(s.client.request("GET", "/user", token: s.sudoOnly, headers: ["sudo": "alice"]).json?["username"] == .string("alice"))
        let asAlice = s.client.request("POST", "/users", token: s.sudoOnly, headers: ["sudo": "alice"], form: "username=x&name=x&email=x@x")
        #expect(asAlice.body == #"{"message":"403 Forbidden"}"#)
        // A read scope with sudo to oneself still reads.
        #expect(s.client.request("GET", "/user", token: s.readSudo, headers: ["sudo": "root"]).json?["username"] == .string("root"))
    }
}
