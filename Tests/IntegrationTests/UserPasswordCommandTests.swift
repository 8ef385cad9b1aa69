import Foundation
import Testing
import TokenCore
import TokenStore

/// `tokend user password`: the new password from standard input (never the command line),
/// GitLab's length rules, a bcrypt hash in the store that verifies, and its audit line.
@Suite(.timeLimit(.minutes(10)))
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

    @Test func refusesAnUnknownUser() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let refused = try LiveServer.run(server.binary, ["user", "password", "--data", server.data, "--user", "nobody"], stdin: "long enough\n")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no user nobody"))
    }
}
