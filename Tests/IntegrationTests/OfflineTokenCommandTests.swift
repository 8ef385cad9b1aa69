import Foundation
import JSON
import Testing

/// `tokend token list` and `tokend token revoke`, the offline answer to a leaked token, run
/// against the store of a live deployment: what they print, what they never print, and that
/// the workers behind nginx see a revocation on their next request.
@Suite(.timeLimit(.minutes(20)))
struct OfflineTokenCommandTests {
    /// The list's rows after its header, split into columns.
    static func rows(_ output: String) -> [[String]] {
        output.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func listShowsEveryTokenButNeverItsValueOrDigest() throws {
        let server = try LiveServer()
        defer { server.stop() }
        _ = try server.createUser("alice")
        let admin = try server.createToken(name: "admin", scopes: "api,sudo")
        let expiry = String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(30 * 86_400)).prefix(10))
        let alice = try server.createToken(user: "alice", name: "ci", scopes: "api,read_user", expiresAt: expiry)
        #expect(try server.request("GET", "/user", token: alice).status == 200)
        let listed = try server.tokend(["token", "list", "--data", server.data])
        let header = listed.split(separator: "\n").first.map(String.init)
        #expect(header == "id\tname\towner\tscopes\tstate\texpires_at\tlast_used_at")
        let rows = Self.rows(listed)
        #expect(rows.map { $0[0] } == ["1", "2"])
        #expect(rows[1][1...5] == ["ci", "alice", "api,read_user", "active", expiry])
        #expect(rows[1][6].hasPrefix("20"), "used through nginx a moment ago: \(rows[1])")
        #expect(rows[0][6] == "-", "never used")
        // Neither a value nor a digest (64 hex characters in the store files) is printed.
        #expect(!listed.contains(admin) && !listed.contains(alice))
        #expect(listed.firstMatch(of: /[0-9a-f]{64}/) == nil)

        let onlyAlice = Self.rows(try server.tokend(["token", "list", "--data", server.data, "--user", "alice"]))
        #expect(onlyAlice.map { $0[0] } == ["2"])
        let unknown = try LiveServer.run(server.binary, ["token", "list", "--data", server.data, "--user", "bob"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no user bob"))
    }

    /// The README's answer to a leaked secret that must be retired: a new `secret.key` from
    /// `tokend init` invalidates every token and keeps users; new tokens work.
    @Test func aNewSecretRetiresEveryTokenAndKeepsTheUsers() throws {
        let server = try LiveServer()
        defer { server.stop() }
        _ = try server.createUser("alice")
        let old = try server.createToken(user: "alice", name: "before")
        #expect(try server.request("GET", "/user", token: old).status == 200)
        _ = server.stopWorkers()
        try FileManager.default.moveItem(atPath: server.data + "/secret.key", toPath: server.directory + "/secret.key.leaked")
        _ = try server.tokend(["init", "--data", server.data])
        let leaked = try Data(contentsOf: URL(fileURLWithPath: server.directory + "/secret.key.leaked"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: server.data + "/secret.key")) != leaked, "a new key")
        try server.startWorker()
        try server.waitUntilServing(workerExpected: true)
        #expect(try server.request("GET", "/user", token: old).status == 401, "every token is retired")
        let new = try server.createToken(user: "alice", name: "after")
        let user = try server.request("GET", "/user", token: new)
        #expect(user.status == 200 && user.json?["username"]?.stringValue == "alice", "\(user.body)")
    }

    /// A mistyped scope is named, with the scopes there are; nothing is created.
    @Test func anUnknownScopeIsNamedWithTheChoices() throws {
        let directory = try LiveServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = LiveServer.binaryPath
        #expect(try LiveServer.run(binary, ["init", "--data", directory + "/data"]).status == 0)
        let refused = try LiveServer.run(
            binary, ["token", "create", "--data", directory + "/data", "--user", "root", "--name", "x", "--scopes", "api,red_api"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("unknown scope 'red_api'; the scopes are: api, read_api"), "\(refused.stderr)")
        let listed = try LiveServer.run(binary, ["token", "list", "--data", directory + "/data"])
        #expect(Self.rows(listed.stdout).isEmpty, "\(listed.stdout)")
    }

    /// A leaked value given on standard input: the token stops working through nginx at once,
    /// and the value appears in no output and no log.
    /// `tokend deploy-token create`, `list` and `delete` on a live deployment's store: the
    /// printed value opens the gate behind nginx at once, the list never prints it, and a
    /// deletion is seen on the next request.
    @Test func deployTokensOffline() throws {
        let server = try LiveServer()
        defer { server.stop() }
        try server.tokend(["group", "create", "--data", server.data, "--name", "Acme", "--path", "acme", "--owner", "root"])
        try server.tokend(["project", "create", "--data", server.data, "--namespace", "acme", "--name", "Web"])
        let value = try server.tokend([
            "deploy-token", "create", "--data", server.data, "--project", "acme/web", "--name", "pull", "--scopes", "read_registry",
            "--username", "puller",
        ]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(value.hasPrefix("gldt-"))
        let basic = "Basic " + Data("puller:\(value)".utf8).base64EncodedString()
        #expect(try server.request("GET", "//-/auth/read_registry?project=acme/web", headers: ["Authorization": basic]).status == 204)
        let listed = try server.tokend(["deploy-token", "list", "--data", server.data])
        #expect(Self.rows(listed) == [["1", "project:acme/web", "pull", "puller", "read_registry", "active", "-"]], "\(listed)")
        #expect(!listed.contains(value) && listed.firstMatch(of: /[0-9a-f]{64}/) == nil)
        // Through a compaction (a snapshot line) and a restart of the worker.
        try server.tokend(["store", "compact", "--data", server.data])
        #expect(try server.tokend(["store", "check", "--data", server.data]).contains("deploy_tokens 1"))
        server.stopWorkers()
        try server.startWorker()
        #expect(try server.request("GET", "//-/auth/read_registry?project=acme/web", headers: ["Authorization": basic]).status == 204)
        let refused = try LiveServer.run(server.binary, [
            "deploy-token", "create", "--data", server.data, "--group", "acme", "--name", "x", "--scopes", "read_registry", "--username", "a b",
        ])
        #expect(refused.status != 0 && refused.stderr.contains("Username can contain only letters"), "\(refused.stderr)")
        try server.tokend(["deploy-token", "delete", "--data", server.data, "--id", "1"])
        #expect(try server.request("GET", "//-/auth/read_registry?project=acme/web", headers: ["Authorization": basic]).status == 401)
    }

    @Test func revokeByValueFromStandardInput() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let kept = try server.createToken(name: "kept")
        let leaked = try server.createToken(name: "leaked")
        #expect(try server.request("GET", "/user", token: leaked).status == 200)
        let revoked = try LiveServer.run(
            server.binary, ["token", "revoke", "--data", server.data, "--value", "-"], stdin: leaked + "\n")
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout == "revoked token 2 (leaked, owner root)\n")
        #expect(!revoked.stdout.contains(leaked) && !revoked.stderr.contains(leaked))
        let refused = try server.request("GET", "/user", token: leaked)
        #expect(refused.status == 401)
        #expect(try server.request("GET", "/user", token: kept).status == 200)
        #expect(!server.workerLogs.contains(leaked))

        let again = try LiveServer.run(
            server.binary, ["token", "revoke", "--data", server.data, "--value", "-"], stdin: leaked + "\n")
        #expect(again.status == 0)
        #expect(again.stdout.contains("was already revoked"))
        let stranger = try LiveServer.run(
            server.binary, ["token", "revoke", "--data", server.data, "--value", "glpat-never-issued-anywhere"])
        #expect(stranger.status == 1)
        #expect(stranger.stderr == "Error: no stored token has this value\n")
        let state = Self.rows(try server.tokend(["token", "list", "--data", server.data]))
        #expect(state.map { $0[4] } == ["active", "revoked"])
    }

    @Test func revokeByID() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken(name: "by-id")
        #expect(try server.tokend(["token", "revoke", "--data", server.data, "--id", "1"]) == "revoked token 1 (by-id, owner root)")
        #expect(try server.request("GET", "/user", token: token).status == 401)
        let missing = try LiveServer.run(server.binary, ["token", "revoke", "--data", server.data, "--id", "9"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no token with id 9"))
    }

    /// `validate()`: exactly one of --id and --value, and sane values, before the store is opened.
    @Test(arguments: [
        (["token", "revoke"], "give exactly one of --id and --value"),
        (["token", "revoke", "--id", "1", "--value", "x"], "give exactly one of --id and --value"),
        (["token", "revoke", "--id", "0"], "--id must be a positive number"),
        (["token", "list", "--state", "gone"], "--state must be one of active, revoked, expired"),
    ])
    func argumentsAreValidated(arguments: [String], message: String) throws {
        let result = try LiveServer.run(LiveServer.binaryPath, arguments + ["--data", "/nonexistent"])
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
