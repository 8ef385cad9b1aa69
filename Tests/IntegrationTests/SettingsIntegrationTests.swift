import Foundation
import Testing

/// Settings precedence through the real binary: flag > TOKEND_* variable > config file > default.
@Suite(.timeLimit(.minutes(20)))
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

    /// Help with its line breaks and indentation folded to single spaces.
    static func help(_ command: [String]) throws -> String {
        let text = try LiveServer.run(LiveServer.binaryPath, command + ["--help"], environment: ["COLUMNS": "80"]).stdout
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// `config check` lists every setting of the table, and the help of the commands that take
    /// its flag shows it with its variable and the same default: three views of one table.
    @Test func theTableTheHelpAndConfigCheckAgree() throws {
        let check = try LiveServer.run(LiveServer.binaryPath, ["config", "check"], environment: ["COLUMNS": "80"])
        #expect(check.status == 0, "\(check.stderr)")
        let lines = check.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count >= 20, "\(lines)")
        let helps = try [["config", "check"], ["serve"], ["notify"], ["token", "create"], ["store", "check"]].map { ($0, try Self.help($0)) }
        for line in lines {
            guard let equals = line.range(of: " = "), let source = line.range(of: "    (", options: .backwards) else {
                Issue.record("not a setting line: \(line)")
                continue
            }
            let name = String(line[..<equals.lowerBound])
            let value = String(line[equals.upperBound..<source.lowerBound])
            #expect(line.hasSuffix("(default)"), "nothing sets \(name) here: \(line)")
            let variable = "TOKEND_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            let showing = helps.filter { $0.1.contains("--\(name) ") || $0.1.contains("--\(name)/--no-\(name) ") }
            #expect(showing.contains { $0.0 == ["config", "check"] }, "config check takes --\(name)")
            #expect(showing.contains { $0.0 == ["serve"] || $0.0 == ["notify"] }, "serve or notify takes --\(name)")
            for (command, help) in showing {
                #expect(help.contains("(env \(variable)"), "`\(command.joined(separator: " "))` --\(name): no \(variable)")
                // A default is shown as it is in the help; what applies instead, in parentheses.
                let shown = value.hasPrefix("(") ? String(value.dropFirst().dropLast()) : value
                if value != "-" {
                    #expect(help.contains("default: \(shown))"), "`\(command.joined(separator: " "))` --\(name): default \(shown)")
                }
            }
        }
        // Every command that opens the store takes the store's flags, from the same table.
        for (_, help) in helps { #expect(help.contains("--data <dir> The data directory (env TOKEND_DATA; default: ./var).")) }
    }

    /// Typed flags: an on/off setting is `--name`/`--no-name`, which beats its variable; a number
    /// that is not one is refused, naming the variable it came from.
    @Test func onOffFlagsAndNumbersThroughTheBinary() throws {
        let check = try LiveServer.run(
            LiveServer.binaryPath, ["config", "check", "--no-require-expiry", "--admin-mode", "--no-allow-local-webhooks"],
            environment: ["TOKEND_ALLOW_LOCAL_WEBHOOKS": "yes"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("require-expiry = false    (flag)"))
        #expect(check.stdout.contains("admin-mode = true    (flag)"))
        #expect(check.stdout.contains("allow-local-webhooks = false    (flag)"))
        let old = try LiveServer.run(LiveServer.binaryPath, ["config", "check"], environment: ["TOKEND_ALLOW_LOCAL_WEBHOOKS": "yes"])
        #expect(old.stdout.contains("allow-local-webhooks = yes    (TOKEND_ALLOW_LOCAL_WEBHOOKS)"))
        let threads = try LiveServer.run(LiveServer.binaryPath, ["config", "check"], environment: ["TOKEND_THREADS": "abc"])
        #expect(threads.status != 0)
        #expect(threads.stderr.contains("--threads takes a whole number, not 'abc' (from TOKEND_THREADS)"), "\(threads.stderr)")
        let serve = try LiveServer.run(LiveServer.binaryPath, ["serve", "--threads", "0", "--listen", "127.0.0.1:1"])
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("--threads must be at least 1"), "\(serve.stderr)")
    }
}
