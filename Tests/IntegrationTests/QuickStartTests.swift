import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `make run` (scripts/run) as the README's quick start uses it, with the debug build
/// (`TOKEND_BIN`): it serves through its nginx and prints a working administrator token; a
/// second run on a busy port fails loudly before it starts anything; Ctrl-C revokes the run's
/// token, and a run revokes what earlier runs left active.
@Suite(.serialized, .timeLimit(.minutes(20)))
struct QuickStartTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx"), "needs nginx"))
    func makeRunServesRefusesABusyPortAndRevokesItsToken() throws {
        let directory = try LiveServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = directory + "/var"
        let port = try LiveServer.freePort()
        let environment = ["TOKEND_BIN": LiveServer.binaryPath, "TOKEND_PORT": String(port), "TOKEND_DATA": data]
        let binary = LiveServer.binaryPath
        func tokend(_ arguments: [String]) throws -> String {
            let result = try LiveServer.run(binary, arguments + ["--data", data])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.stdout
        }
        // What an earlier run left active (killed before it could revoke its token).
        _ = try tokend(["init"])
        _ = try tokend(["token", "create", "--user", "root", "--name", "make-run 2026-01-01T00:00:00Z", "--scopes", "api"])

        let log = directory + "/run.log"
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let run = try LiveServer.spawnDetached(LiveServer.packageRoot + "/scripts/run", [], environment: merged, log: log)
        var reaped = false
        defer { if !reaped { _ = LiveServer.terminate(run, seconds: 10) } }
        func output() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        #expect(LiveServer.eventually(seconds: 120) { output().contains("Ctrl-C stops") }, "\(output())")
        let token = try #require(
            output().split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("glpat-") })

        let served = try LiveServer.run(
            "/usr/bin/curl", ["-s", "-H", "PRIVATE-TOKEN: \(token)", "http://127.0.0.1:\(port)/api/v4/personal_access_tokens/self"])
        #expect(served.stdout.contains("\"name\":\"make-run "), "\(served.stdout)")
        let listed = try tokend(["token", "list", "--user", "root", "--state", "active"])
        #expect(listed.split(separator: "\n").filter { $0.contains("make-run") }.count == 1, "the earlier run's token is revoked: \(listed)")

        // A second run on the same port stops before it starts a worker or mints a token.
        let second = try LiveServer.run(LiveServer.packageRoot + "/scripts/run", [], environment: environment)
        #expect(second.status == 1 && second.stderr.contains("already in use"), "\(second.stdout)\(second.stderr)")
        #expect(!second.stdout.contains("glpat-"))

        // Ctrl-C: the worker and nginx stop and the token is revoked.
        kill(run, SIGINT)
        var status: Int32 = 0
        for _ in 0..<1500 {
            if waitpid(run, &status, WNOHANG) == run { reaped = true; break }
            usleep(20_000)
        }
        #expect(reaped, "make run exits on Ctrl-C")
        #expect(output().contains("revoked its administrator token"), "\(output())")
        let after = try tokend(["token", "list", "--user", "root", "--state", "active"])
        #expect(!after.contains("make-run"), "\(after)")
        let refused = try LiveServer.run(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/-/liveness"])
        #expect(refused.stdout != "200", "nginx stopped")
    }
}
