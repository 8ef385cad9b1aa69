import Foundation
import Testing
import TokendTesting

#if canImport(Glibc)
import Glibc
#endif

/// The audit log through nginx and real workers: every event type with its actor, read back
/// through the audit events API and from the files; no token value in any line; `tokend audit
/// verify` on intact and tampered copies; CGI's failed authentications carried by the next write.
@Suite(.timeLimit(.minutes(20)))
struct AuditIntegrationTests {
    @Test func everyEventTypeWithItsActorThroughNginx() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let values = try AuditScenarios.everyEventTypeWithItsActor(server)
        let lines = try AuditFiles.lines(server.data)
        #expect(lines.count > 20)
        AuditFiles.expectNoTokenValues(lines, values)
        // Nor in the journal, which carries the same events.
        let journal = try String(contentsOfFile: server.data + "/tokens.journal.1.jsonl", encoding: .utf8)
        for value in values { #expect(!journal.contains(value)) }
        #expect(lines.contains { $0.contains(#""request_id":""#) }, "API events name their request")
        let verify = try LiveServer.run(server.binary, ["audit", "verify", "--data", server.data])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("ok: the chain is intact"))
    }

    @Test func resourceEventsThroughNginx() throws {
        let server = try LiveServer()
        defer { server.stop() }
        try AuditScenarios.resourceEventsFollowGitLabsAccess(server)
    }

    /// Each tampering of a copy is named at its line, the intact copy and the original pass.
    @Test(arguments: ["edit", "delete", "reorder"])
    func tamperingWithACopyIsCaught(_ kind: String) throws {
        let server = try LiveServer()
        defer { server.stop() }
        let admin = try server.createToken(name: "admin")
        for name in ["ann", "ben", "cat", "dan"] {
            #expect(try server.request("POST", "/users", token: admin, form: "username=\(name)&name=\(name)&email=\(name)@example.com").status == 201)
        }
        server.stopWorkers()
        let copy = server.directory + "/copy"
        #expect(try LiveServer.run("/bin/cp", ["-a", server.data, copy]).status == 0)
        let intact = try LiveServer.run(server.binary, ["audit", "verify", "--no-repair", "--data", copy])
        #expect(intact.status == 0, "\(intact.stdout)")
        let file = copy + "/audit/audit-000000000001.jsonl"
        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        try #require(lines.count >= 5)
        switch kind {
        case "edit": lines[2] = lines[2].replacingOccurrences(of: #""details":"ann""#, with: #""details":"eve""#)
        case "delete": lines.remove(at: 2)
        default: lines.swapAt(2, 3)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: false, encoding: .utf8)
        let broken = try LiveServer.run(server.binary, ["audit", "verify", "--no-repair", "--data", copy])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("BROKEN at audit-000000000001.jsonl:3:"), "\(broken.stdout)")
        #expect(try LiveServer.run(server.binary, ["audit", "verify", "--data", server.data]).status == 0)
    }

    /// A CGI process cannot batch its failed authentications: it leaves them in the spill file
    /// (no lock, no sync), and the next write of any process carries them into the chain.
    @Test func cgiFailedAuthenticationsAreCarriedByTheNextWrite() throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let environment = [
            "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v4/user",
            "HTTP_PRIVATE_TOKEN": "glpat-nosuchtokenxxxxxxxxxxxx", "REMOTE_ADDR": "198.51.100.9", "TOKEND_DATA": server.data,
            "SERVER_NAME": "tokend.example", "SERVER_PORT": "80",
        ]
        for _ in 0..<3 {
            let refused = try LiveServer.run(server.binary, [], environment: environment)
            #expect(refused.stdout.hasPrefix("Status: 401"))
        }
        #expect(FileManager.default.fileExists(atPath: server.data + "/audit-failures.jsonl"))
        _ = try server.createToken(name: "next")
        #expect(!FileManager.default.fileExists(atPath: server.data + "/audit-failures.jsonl"))
        let failures = try AuditFiles.lines(server.data).filter { $0.contains(#""event":"authentication_failed""#) }
        #expect(failures.count == 1, "\(failures)")
        #expect(failures.first?.contains(#""ip":"198.51.100.9""#) == true)
        #expect(failures.first?.contains(#""count":3"#) == true)
        AuditFiles.expectNoTokenValues(failures, ["glpat-nosuchtokenxxxxxxxxxxxx"])
        #expect(try LiveServer.run(server.binary, ["audit", "verify", "--data", server.data]).status == 0)
    }
}
