import Foundation
import Testing

/// Settings precedence through the real binary: flag > TOKEND_* variable > config file > default.
@Suite(.timeLimit(.minutes(10)))
struct SettingsIntegrationTests {
    @Test func configFileEnvironmentAndFlagsInOrder() throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let config = server.directory + "/tokend.conf"
        try "# tokend settings\ntoken-prefix = fromfile-\nmax-lifetime-days = 30\n".write(toFile: config, atomically: false, encoding: .utf8)
        let base = ["token", "create", "--data", server.data, "--user", "root", "--name", "t", "--scopes", "api"]
        #expect(try server.tokend(base, environment: ["TOKEND_CONFIG": config]).hasPrefix("fromfile-"))
        #expect(try server.tokend(base, environment: ["TOKEND_CONFIG": config, "TOKEND_TOKEN_PREFIX": "fromenv-"]).hasPrefix("fromenv-"))
        #expect(try server.tokend(base + ["--token-prefix", "fromflag-", "--config", config], environment: ["TOKEND_TOKEN_PREFIX": "fromenv-"]).hasPrefix("fromflag-"))
        let check = try server.tokend(["config", "check", "--config", config])
        #expect(check.contains("max-lifetime-days = 30    (\(config))"))
        #expect(check.contains("admin-mode = false    (default)"))
        try "nonsense = 1\n".write(toFile: config, atomically: false, encoding: .utf8)
        let refused = try LiveServer.run(server.binary, ["config", "check", "--config", config])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("unknown setting 'nonsense'"))
    }
}
