import Foundation
import JSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `tokend store backup` under write load through nginx, and a restore from it as the README
/// describes (copy into a new directory, check, serve): every write acknowledged before the
/// backup started is in the copy, and the copy holds nothing the live store does not.
@Suite(.timeLimit(.minutes(20)))
struct BackupRestoreTests {
    /// Ids of the tokens in a data directory, from `tokend token list`.
    static func tokenIDs(_ server: LiveServer, data: String) throws -> Set<Int> {
        let listed = try server.tokend(["token", "list", "--data", data])
        return Set(listed.split(separator: "\n").dropFirst().compactMap { Int($0.split(separator: "\t").first ?? "") })
    }

    static var expiry: String {
        String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(30 * 86_400)).prefix(10))
    }

    @Test func backupUnderLoadThenRestore() throws {
        // Frequent compactions: the backup must also hold when a new generation appears mid-copy.
        let server = try LiveServer(workers: 2, environment: ["TOKEND_COMPACTION_BYTES": "16384"])
        defer { server.stop() }
        let admin = try server.createToken(name: "admin", scopes: "api,sudo")

        // Acknowledged before the backup: their ids and values.
        var acknowledged: [(id: Int, token: String)] = []
        for i in 0..<40 {
            let created = try server.request(
                "POST", "/users/1/personal_access_tokens", token: admin,
                form: "name=before-\(i)&scopes%5B%5D=api&expires_at=\(Self.expiry)")
            #expect(created.status == 201, "\(created.body)")
            if let id = created.json?["id"]?.intValue, let token = created.json?["token"]?.stringValue {
                acknowledged.append((id, token))
            }
        }
        #expect(acknowledged.count == 40)

        // Writes keep coming while the backup runs: 600 creates, 4 at a time, through nginx.
        let loadLog = server.logFile("load.log")
        let command = "seq 600 | xargs -P 4 -I{} curl -s -o /dev/null --max-time 20 -w '%{http_code}\\n' -X POST "
            + "-H 'PRIVATE-TOKEN: \(admin)' --data 'name=load-{}&scopes%5B%5D=api&expires_at=\(Self.expiry)' "
            + "'http://127.0.0.1:\(server.port)/api/v4/users/1/personal_access_tokens'"
        let load = try LiveServer.spawnDetached("/bin/sh", ["-c", command], environment: ProcessInfo.processInfo.environment, log: loadLog)
        var loadRunning = true
        defer { if loadRunning { _ = LiveServer.terminate(load, seconds: 1) } }
        func answered() -> Int { ((try? String(contentsOfFile: loadLog, encoding: .utf8)) ?? "").split(separator: "\n").count }
        for _ in 0..<500 where answered() < 20 { usleep(20_000) }
        let answeredBefore = answered()

        let backup = server.directory + "/backup"
        let backedUp = try LiveServer.run(server.binary, ["store", "backup", "--data", server.data, "--to", backup])
        let answeredAfter = answered()
        #expect(backedUp.status == 0, "\(backedUp.stderr)")
        #expect(backedUp.stdout.hasPrefix("backed up \(server.data) to \(backup): generation "), "\(backedUp.stdout)")
        #expect(LiveServer.wait(load) == 0)
        loadRunning = false
        let statuses = try String(contentsOfFile: loadLog, encoding: .utf8).split(separator: "\n")
        #expect(statuses.count == 600 && statuses.allSatisfy { $0 == "201" }, "\(Set(statuses))")
        print("backup taken while the load had \(answeredBefore)...\(answeredAfter) of 600 creates answered")

        // The copy: a data directory of its own, 0700 with 0600 files, that passes the check.
        var info = stat()
        #expect(stat(backup, &info) == 0 && info.st_mode & 0o777 == 0o700)
        let audit = try FileManager.default.contentsOfDirectory(atPath: backup + "/audit").map { "audit/" + $0 }
        for name in try FileManager.default.contentsOfDirectory(atPath: backup) + audit {
            #expect(stat(backup + "/" + name, &info) == 0 && info.st_mode & 0o777 == (name == "audit" ? 0o700 : 0o600), "\(name)")
        }
        #expect(try LiveServer.run(server.binary, ["audit", "verify", "--no-repair", "--data", backup]).status == 0)
        #expect(try LiveServer.run(server.binary, ["store", "check", "--data", backup]).status == 0)
        let inBackup = try Self.tokenIDs(server, data: backup)
        let live = try Self.tokenIDs(server, data: server.data)
        #expect(Set(acknowledged.map(\.id)).isSubset(of: inBackup))
        #expect(inBackup.isSubset(of: live), "the copy holds tokens the store never had")
        #expect(live.count == 1 + 40 + 600)

        // Restore as the README says: copy into a new directory, check, serve.
        let restored = try LiveServer(workers: 0, initialize: false)
        defer { restored.stop() }
        let copy = try LiveServer.run("/bin/cp", ["-a", backup, restored.data])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(try LiveServer.run(server.binary, ["store", "check", "--data", restored.data]).status == 0)
        try restored.startWorker()
        for (id, token) in acknowledged {
            let response = try restored.request("GET", "/personal_access_tokens/self", token: token)
            #expect(response.status == 200 && response.json?["id"]?.intValue == id, "token \(id): \(response.status)")
        }
        let written = try restored.request(
            "POST", "/users/1/personal_access_tokens", token: admin, form: "name=after-restore&scopes%5B%5D=api&expires_at=\(Self.expiry)")
        #expect(written.status == 201, "the restored store takes writes: \(written.body)")
    }

    /// Run by root on a store that belongs to another user, the copy belongs to that user too,
    /// ready to be moved into place; an existing destination is never touched.
    @Test(.enabled(if: getuid() == 0, "needs root to make a store owned by another user"))
    func backupByRootBelongsToTheStoresOwner() throws {
        let nobody = try #require(getpwnam("nobody")).pointee
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        _ = try server.createToken()
        #expect(try LiveServer.run("/bin/chown", ["-R", "nobody:nogroup", server.data]).status == 0)
        let backup = server.directory + "/backup"
        _ = try server.tokend(["store", "backup", "--data", server.data, "--to", backup])
        for name in ["."] + (try FileManager.default.contentsOfDirectory(atPath: backup)) {
            var info = stat()
            #expect(stat(backup + "/" + name, &info) == 0)
            #expect(info.st_uid == nobody.pw_uid && info.st_gid == nobody.pw_gid, "\(name)")
        }
        let again = try LiveServer.run(server.binary, ["store", "backup", "--data", server.data, "--to", backup])
        #expect(again.status != 0)
        #expect(again.stderr.contains("a backup never overwrites"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.directory).filter { $0.contains(".partial.") }.isEmpty)
    }
}
