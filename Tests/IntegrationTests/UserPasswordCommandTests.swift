import Foundation
import PostgresStore
import Testing
import TokenCore
import TokenStore

/// `tokend user password`: the new password from standard input (never the command line),
/// GitLab's length rules, a bcrypt hash in the store that verifies, and its audit line.
@Suite(.timeLimit(.minutes(20)))
struct UserPasswordCommandTests {
    @Test func setsAPasswordFromStandardInput() throws {
        let server = try LiveServer()
        defer { server.stop() }
        _ = try server.createUser("alice")
        let password = "correct horse battery"
        let set = try LiveServer.run(server.binary, ["user", "password", "--data", server.data, "--user", "alice"], stdin: password + "\n")
        #expect(set.status == 0, "\(set.stderr)")
        #expect(!set.stdout.contains(password) && !set.stderr.contains(password))

        let store = try JSONFileStore(directory: server.data, allowNetworkFilesystem: true)
        let hash = try #require(try store.read { $0.user(username: "alice")?.passwordHash })
        #expect(PasswordHasher.isBcryptHash(hash))
        #expect(hash.hasPrefix("$2") && hash.dropFirst(4).hasPrefix("10$"), "bcrypt at GitLab's cost 10: \(hash.prefix(7))")
        #expect(PasswordHasher.fastForTests.verify(password, hash))
        let lines = try AuditFiles.lines(server.data)
        #expect(lines.contains { $0.contains(#""event":"user_password_updated""#) && $0.contains("alice") })
        #expect(!lines.joined().contains(password) && !lines.joined().contains(hash))
    }

    @Test(arguments: [
        ("1234567\n", "Password is too short (minimum is 8 characters)"),
        (String(repeating: "x", count: 129) + "\n", "Password is too long (maximum is 128 characters)"),
        ("", "expected the new password on standard input"),
    ])
    func refusesBadLengths(input: String, message: String) throws {
        let server = try LiveServer()
        defer { server.stop() }
        _ = try server.createUser("alice")
        let refused = try LiveServer.run(server.binary, ["user", "password", "--data", server.data, "--user", "alice"], stdin: input)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(message), "\(refused.stderr)")
        let store = try JSONFileStore(directory: server.data, allowNetworkFilesystem: true)
        #expect(try store.read { $0.user(username: "alice")?.passwordHash } == nil)
    }

    /// The same on PostgreSQL: one write through `tokend.write`, the hash in
    /// `tokend.users.encrypted_password`, the audit row.
    @Test(.enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
    func setsAPasswordOnPostgres() throws {
        let url = try PostgresCluster.createDatabase()
        let binary = LiveServer.binaryPath
        let initialized = try LiveServer.run(binary, ["init", "--store", url])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        #expect(try LiveServer.run(binary, ["user", "create", "--store", url, "--username", "alice"]).status == 0)
        let set = try LiveServer.run(binary, ["user", "password", "--store", url, "--user", "alice"], stdin: "correct horse battery\n")
        #expect(set.status == 0, "\(set.stderr)")
        let store = PostgresStore(location: PostgresLocation(url: url, description: "password"))
        let hash = try #require(try store.read { $0.user(username: "alice")?.passwordHash })
        #expect(PasswordHasher.fastForTests.verify("correct horse battery", hash))
        let check = try LiveServer.run(binary, ["store", "check", "--store", url])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("web_sessions 0"))
        let events = try store.auditEvents(AuditQuery(createdAfter: Timestamp(millisecondsSinceEpoch: 0), createdBefore: Timestamp(millisecondsSinceEpoch: 4_000_000_000_000), limit: 100))
        #expect(events.events.contains { $0.event.name == .userPasswordUpdated })
    }

    @Test func refusesAnUnknownUser() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let refused = try LiveServer.run(server.binary, ["user", "password", "--data", server.data, "--user", "nobody"], stdin: "long enough\n")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no user nobody"))
    }
}
