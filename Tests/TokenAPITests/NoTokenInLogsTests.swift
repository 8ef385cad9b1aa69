import InMemoryLogging
import Logging
import Testing
import TokenCore
import TokendTesting

/// Security invariant 5 on the error paths: whatever goes wrong (a refused store write, a bad
/// or revoked token, a failed sudo, a reuse), no token value and no `Authorization` value ever
/// reaches the log. swift-log's in-memory handler sees every line the application writes.
struct NoTokenInLogsTests {
    @Test func errorPathsLogNoSecret() throws {
        let (client, store, logs, root) = try LoggedFaultyClient().parts
        let token = try client.createToken(for: root, name: "admin", scopes: ["api", "sudo"])
        let revoked = try client.createToken(for: root, name: "old", revoked: true)
        let bearer = "Bearer " + token
        // A read that must record the token's use while the store refuses writes.
        store.refuseWrites(with: RepositoryError(.full, "no space left on the test device"))
        #expect(client.request("GET", "/personal_access_tokens/self", token: token).status == 200)
        #expect(client.request("DELETE", "/personal_access_tokens/self", headers: ["authorization": bearer]).status == 507)
        #expect(client.request("POST", "/personal_access_tokens/self/rotate", token: token).status == 507)
        store.refuseWrites(with: RepositoryError(.failed, "fsync failed on the test device"))
        #expect(client.request("POST", "/users", token: token, form: "username=x&name=x&email=x@x").status == 503)
        store.refuseWrites(with: nil)
        #expect(client.request("POST", "/personal_access_tokens/self/rotate", token: revoked).status == 401)
        #expect(client.request("GET", "/user", token: token, headers: ["sudo": "nobody"]).status == 404)
        #expect(client.request("GET", "/user", token: token + "x").status == 401)
        #expect(client.request("GET", "/user?private_token=" + token).status == 200)
        let text = logs.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!logs.entries.isEmpty, "the refused writes must have been logged")
        for secret in [token, revoked, String(token.dropFirst(6).prefix(12)), bearer] {
            #expect(!text.contains(secret))
        }
    }
}
