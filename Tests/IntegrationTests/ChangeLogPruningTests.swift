import Foundation
import JSON
import Testing
import TokendTesting

/// `tokend store compact` on PostgreSQL prunes the change log to its newest entries (10,000, or
/// `--keep-changes N`), while a worker serves: the tables keep every record, the worker goes on
/// serving every token, and a worker started afterwards loads them all from the tables.
@Suite(
    .timeLimit(.minutes(20)),
    .disabled(if: PostgresCluster.unavailable != nil, "\(PostgresCluster.unavailable ?? "")"))
struct ChangeLogPruningTests {
    @Test func compactKeepsTheNewestEntriesAndEveryRecord() throws {
        let server = try LiveServer(backend: .postgres)
        defer { server.stop() }
        let url = try #require(server.databaseURL)
        let admin = try server.createToken(name: "admin")
        var tokens = [admin]
        for index in 0..<6 {
            let created = try server.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=t\(index)&scopes[]=api")
            #expect(created.status == 201, "\(created.body)")
            tokens.append(try #require(created.json?["token"]?.stringValue))
        }
        let cluster = try PostgresCluster.shared()
        let database = String(url.split(separator: "/").last!.split(separator: "?").first!)
        func logEntries() throws -> Int {
            Int(try cluster.psql("SELECT count(*) FROM tokend.changes", database: database).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        #expect(try logEntries() > 6)

        let output = try server.tokend(["store", "compact", "--keep-changes", "2"])
        #expect(output.contains("the newest 2 are kept"), "\(output)")
        #expect(try logEntries() == 2)

        // The serving worker goes on, and a write after the pruning follows on from it.
        let after = try server.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=after&scopes[]=api")
        #expect(after.status == 201, "\(after.body)")
        tokens.append(try #require(after.json?["token"]?.stringValue))
        for token in tokens {
            #expect(try server.request("GET", "/personal_access_tokens/self", token: token).status == 200)
        }
        // A new process loads the tables, not the pruned log: it lists every token.
        let listed = try server.tokend(["token", "list", "--user", "root", "--state", "active"])
        #expect(listed.split(separator: "\n").count == 1 + tokens.count, "\(listed)")
        _ = try server.tokend(["store", "check"])

        // Bounded, and PostgreSQL's alone.
        let zero = try LiveServer.run(server.binary, ["store", "compact", "--store", url, "--keep-changes", "0"])
        #expect(zero.status == 64 && zero.stderr.contains("--keep-changes takes 1 to 10000000"), "\(zero.stderr)")
        let json = try LiveServer(backend: .json)
        defer { json.stop() }
        let refused = try LiveServer.run(json.binary, ["store", "compact", "--data", json.data, "--keep-changes", "5"])
        #expect(refused.status == 1 && refused.stderr.contains("applies to a PostgreSQL store"), "\(refused.stderr)")
    }
}
