import Foundation
import JSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `tokend store restore` (issue 28, section 3): a backup taken as the README says, then tokens
/// created, revoked and rotated through nginx, then the restore: refused while a worker serves
/// and for a corrupt backup (nothing changed), the store then equal to the backup, the old one
/// kept aside, the tokens revoked or rotated since listed exactly, and with --revoke-again
/// revoked again (the worker answers 401 for them). On PostgreSQL, the README's path through
/// `store export` and `store import`.
@Suite(.timeLimit(.minutes(20)))
struct StoreRestoreTests {
    /// A store with a backup, and what happened after it.
    struct Scenario {
        var server: LiveServer
        var backup: String
        var admin: String
        /// Ids and values: untouched, revoked after the backup, rotated after it (and its
        /// successor), created after it, created and revoked after it.
        var kept: (id: Int, token: String)
        var revoked: (id: Int, token: String)
        var rotated: (id: Int, token: String)
        var successor: (id: Int, token: String)
        var createdAfter: (id: Int, token: String)
        var createdAndRevoked: (id: Int, token: String)
        /// A project's deploy token made before the backup, deleted after it (its id is a
        /// deploy token's, counted apart from the others).
        var deployToken: (id: Int, project: Int, username: String, token: String)
    }

    static func scenario() throws -> Scenario {
        let server = try LiveServer(workers: 1)
        let admin = try server.createToken(name: "admin", scopes: "api,sudo")
        func create(_ name: String) throws -> (id: Int, token: String) {
            let created = try server.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=\(name)&scopes%5B%5D=api")
            #expect(created.status == 201, "\(created.body)")
            return (try #require(created.json?["id"]?.intValue), try #require(created.json?["token"]?.stringValue))
        }
        func revoke(_ id: Int) throws {
            #expect(try server.request("DELETE", "/personal_access_tokens/\(id)", token: admin).status == 204)
        }
        let kept = try create("kept")
        let revoked = try create("revoked-later")
        let rotated = try create("rotated-later")
        let project = try #require(try server.request("POST", "/projects", token: admin, form: "name=deployed").json?["id"]?.intValue)
        let deploy = try server.request(
            "POST", "/projects/\(project)/deploy_tokens", token: admin, form: "name=deleted-later&scopes%5B%5D=read_repository")
        #expect(deploy.status == 201, "\(deploy.body)")
        let deployToken = (
            try #require(deploy.json?["id"]?.intValue), project, try #require(deploy.json?["username"]?.stringValue),
            try #require(deploy.json?["token"]?.stringValue)
        )
        let backup = server.directory + "/backup"
        try server.tokend(["store", "backup", "--data", server.data, "--to", backup])

        try revoke(revoked.id)
        let rotation = try server.request("POST", "/personal_access_tokens/\(rotated.id)/rotate", token: admin)
        #expect(rotation.status == 200, "\(rotation.body)")
        let successor = (try #require(rotation.json?["id"]?.intValue), try #require(rotation.json?["token"]?.stringValue))
        let createdAfter = try create("created-later")
        let createdAndRevoked = try create("created-and-revoked-later")
        try revoke(createdAndRevoked.id)
        #expect(try server.request("DELETE", "/projects/\(project)/deploy_tokens/\(deployToken.0)", token: admin).status == 204)
        return Scenario(
            server: server, backup: backup, admin: admin, kept: kept, revoked: revoked, rotated: rotated, successor: successor,
            createdAfter: createdAfter, createdAndRevoked: createdAndRevoked, deployToken: deployToken)
    }

    /// The rows of the listing: id → its state in the restored store.
    /// The listed tokens' states in the restored store, by "token ID" or "deploy_token ID".
    static func listed(_ output: String) -> [String: String] {
        guard let header = output.range(of: "id\ttype\towner\tname\tevent\ttime\tin_restored_store\n") else { return [:] }
        var rows: [String: String] = [:]
        for line in output[header.upperBound...].split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 7, let id = Int(fields[0]) else { break }
            rows["\(fields[1]) \(id)"] = String(fields[6])
        }
        return rows
    }

    /// What the restore lists for the scenario: the deploy token's project path as its owner.
    static func expectedListing(_ s: Scenario) -> [String: String] {
        [
            "token \(s.revoked.id)": "active", "token \(s.rotated.id)": "active", "token \(s.createdAndRevoked.id)": "absent",
            "deploy_token \(s.deployToken.id)": "active",
        ]
    }

    static func asideDirectories(_ server: LiveServer) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: server.directory).filter { $0.hasPrefix("data.replaced-") }
    }

    @Test func refusesWhileWorkersServeAndForACorruptBackupThenRestoresAndLists() throws {
        let s = try Self.scenario()
        let server = s.server
        defer { server.stop() }
        let before = try server.tokend(["token", "list", "--data", server.data])

        // A worker serves: refused, naming it, and nothing changed.
        let refused = try LiveServer.run(server.binary, ["store", "restore", "--data", server.data, "--from", s.backup])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("workers are serving from \(server.data)"), "\(refused.stderr)")
        #expect(refused.stderr.contains(String(server.workerPIDs[0])), "names the worker's PID: \(refused.stderr)")
        #expect(refused.stderr.contains("systemctl stop tokend.socket tokend.service"))
        #expect(try Self.asideDirectories(server).isEmpty)
        server.stopWorkers()

        // A corrupt backup (a record cut in half): refused before anything is touched.
        let corrupt = server.directory + "/corrupt"
        #expect(try LiveServer.run("/bin/cp", ["-a", s.backup, corrupt]).status == 0)
        let snapshot = corrupt + "/tokens.snapshot.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: snapshot))
        handle.seekToEndOfFile()
        handle.write(Data("{\"id\":99,\"na\n".utf8))
        handle.closeFile()
        let bad = try LiveServer.run(server.binary, ["store", "restore", "--data", server.data, "--from", corrupt])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("does not pass the checks, so nothing was changed"), "\(bad.stderr)")
        #expect(try Self.asideDirectories(server).isEmpty)
        #expect(try server.tokend(["token", "list", "--data", server.data]) == before)

        // A backup whose audit chain was edited: refused too.
        let edited = server.directory + "/edited"
        #expect(try LiveServer.run("/bin/cp", ["-a", s.backup, edited]).status == 0)
        let auditFile = try #require(try FileManager.default.contentsOfDirectory(atPath: edited + "/audit").sorted().last { $0.hasPrefix("audit-") })
        let lines = try String(contentsOfFile: edited + "/audit/" + auditFile, encoding: .utf8)
        try lines.replacingOccurrences(of: "\"console\"", with: "\"someone\"").write(toFile: edited + "/audit/" + auditFile, atomically: false, encoding: .utf8)
        let tampered = try LiveServer.run(server.binary, ["store", "restore", "--data", server.data, "--from", edited])
        #expect(tampered.status != 0)
        #expect(tampered.stderr.contains("audit verify"), "\(tampered.stderr)")
        #expect(try Self.asideDirectories(server).isEmpty)

        // The restore: the store is the backup again, the old one aside, the list exact.
        let restored = try LiveServer.run(server.binary, ["store", "restore", "--data", server.data, "--from", s.backup])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try server.tokend(["token", "list", "--data", server.data]) == (try server.tokend(["token", "list", "--data", s.backup])))
        for name in ["tokens.snapshot.jsonl", "secret.key", "audit.key"] {
            #expect(FileManager.default.contents(atPath: server.data + "/" + name) == FileManager.default.contents(atPath: s.backup + "/" + name), "\(name)")
        }
        var info = stat()
        #expect(stat(server.data, &info) == 0 && info.st_mode & 0o777 == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: server.data) where name != "audit" {
            #expect(stat(server.data + "/" + name, &info) == 0 && info.st_mode & 0o777 == 0o600, "\(name)")
        }
        let aside = try #require(try Self.asideDirectories(server).first)
        #expect(stat(server.directory + "/" + aside, &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(try server.tokend(["token", "list", "--data", server.directory + "/" + aside]) == before, "the old store is kept as it was")
        let rows = Self.listed(restored.stdout)
        #expect(rows == Self.expectedListing(s), "\(restored.stdout)")
        #expect(restored.stdout.contains("\tdeploy_token\troot/deployed\tdeleted-later\tdeploy_token_destroyed\t"), "\(restored.stdout)")
        #expect(restored.stdout.contains("tokend deploy-token delete --data \(server.data) --id \(s.deployToken.id)"))
        #expect(restored.stdout.contains("tokend token revoke --data \(server.data) --id \(s.revoked.id)"))
        for value in [s.admin, s.kept.token, s.revoked.token, s.rotated.token, s.successor.token] {
            #expect(!restored.stdout.contains(value) && !restored.stderr.contains(value), "a token value was printed")
        }
        #expect(try server.tokend(["audit", "verify", "--data", server.data]).contains("ok: the chain is intact"))
    }

    @Test func revokeAgainRevokesWhatWasRevokedOrRotatedAfterTheBackup() throws {
        let s = try Self.scenario()
        let server = s.server
        defer { server.stop() }
        server.stopWorkers()
        let restored = try LiveServer.run(server.binary, ["store", "restore", "--data", server.data, "--from", s.backup, "--revoke-again"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(Self.listed(restored.stdout) == Self.expectedListing(s), "\(restored.stdout)")
        #expect(restored.stdout.contains("revoked again: deploy token \(s.deployToken.id) (deleted-later)"), "\(restored.stdout)")
        #expect(restored.stdout.contains("revoked again: token \(s.revoked.id) (revoked-later)"), "\(restored.stdout)")
        #expect(restored.stdout.contains("revoked again: token \(s.rotated.id) (rotated-later)"))

        try server.startWorker()
        try server.waitUntilServing(workerExpected: true)
        #expect(try server.request("GET", "/personal_access_tokens/self", token: s.kept.token).status == 200)
        for gone in [s.revoked, s.rotated, s.successor, s.createdAfter, s.createdAndRevoked] {
            #expect(try server.request("GET", "/personal_access_tokens/self", token: gone.token).status == 401, "token \(gone.id)")
        }
        // Each revocation is in the restored store's audit chain, by the console.
        #expect(try Self.consoleRevocations(in: server.data) == (try Self.consoleRevocations(in: s.backup)) + 2)
        let deployTokens = try server.tokend(["deploy-token", "list", "--data", server.data])
        let deployed = deployTokens.split(separator: "\n").first { $0.hasPrefix("\(s.deployToken.id)\t") }
        #expect(deployed?.split(separator: "\t").contains("revoked") == true, "\(deployTokens)")
        #expect(try server.tokend(["audit", "verify", "--data", server.data]).contains("ok: the chain is intact"))
        #expect(try server.tokend(["store", "check", "--data", server.data]).contains("tokens"))
    }

    /// Audit lines of `directory` that record a revocation by the console.
    static func consoleRevocations(in directory: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/audit").filter { $0.hasPrefix("audit-") }.reduce(0) { count, name in
            let text = try String(contentsOfFile: directory + "/audit/" + name, encoding: .utf8)
            return count + text.split(separator: "\n").filter { $0.contains("\"token_revoked\"") && $0.contains("\"console\"") }.count
        }
    }

    /// PostgreSQL, as the README describes: `store export` is the backup; the restore is a new
    /// database, `init`, `store import`, the checks, then the tokens revoked since, read from
    /// the old database, revoked again.
    @Test func postgresRestoreThroughExportAndImport() throws {
        if let reason = PostgresCluster.unavailable { try Test.cancel("skipped on PostgreSQL: \(reason)") }
        let server = try LiveServer(workers: 1, backend: .postgres)
        defer { server.stop() }
        let admin = try server.createToken(name: "admin", scopes: "api,sudo")
        let kept = try server.createToken(name: "kept")
        let revoked = try server.createToken(name: "revoked-later")
        let backup = server.directory + "/backup.jsonl"
        try server.tokend(["store", "export", "--to", backup])
        let list = try server.tokend(["token", "list", "--state", "active"])
        let revokedID = try #require(list.split(separator: "\n").first { $0.contains("\trevoked-later\t") }.flatMap { Int($0.split(separator: "\t")[0]) })
        #expect(try server.request("DELETE", "/personal_access_tokens/\(revokedID)", token: admin).status == 204)
        server.stopWorkers()

        // The old database is kept aside under another name; a new one takes its place.
        let oldURL = try #require(server.databaseURL)
        let name = String(oldURL.split(separator: "/").last!)
        let cluster = try PostgresCluster.shared()
        try cluster.psql("ALTER DATABASE \(name) RENAME TO \(name)_replaced")
        try cluster.psql("CREATE DATABASE \(name)")
        let replacedURL = cluster.url(database: name + "_replaced")
        try server.tokend(["init", "--data", server.data])
        let imported = try LiveServer.run(server.binary, ["store", "import", "--from", backup], environment: server.storeEnvironment)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try LiveServer.run(server.binary, ["store", "check"], environment: server.storeEnvironment).status == 0)
        #expect(try LiveServer.run(server.binary, ["audit", "verify"], environment: server.storeEnvironment).status == 0)
        // What the export cannot know: revoked in the old database, active in the new one.
        let revokedSince = try server.tokend(["token", "list", "--state", "revoked"], environment: ["TOKEND_STORE": replacedURL])
        let ids = revokedSince.split(separator: "\n").dropFirst().compactMap { Int($0.split(separator: "\t")[0]) }
        #expect(ids == [revokedID])
        for id in ids { try server.tokend(["token", "revoke", "--id", String(id)]) }

        try server.startWorker()
        try server.waitUntilServing(workerExpected: true)
        #expect(try server.request("GET", "/personal_access_tokens/self", token: kept).status == 200)
        #expect(try server.request("GET", "/personal_access_tokens/self", token: revoked).status == 401)
    }
}
