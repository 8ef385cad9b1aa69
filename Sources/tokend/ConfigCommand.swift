import ArgumentParser
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the effective settings.",
        subcommands: [CheckConfig.self]
    )
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Print every setting tokend would use, its value and where it came from.",
        discussion: """
            Sources, strongest first: a flag, the environment variable (TOKEND_ + the flag in upper \\
            case), the config file (--config or TOKEND_CONFIG), the default. Exits non-zero when a \\
            value is invalid.

            Example:
              TOKEND_CONFIG=/etc/tokend.conf tokend config check
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var instance: InstanceOptions

    func run() throws {
        let settings = try instance.settings()
        let defaults: [(String, String)] = [
            ("data", "./var"), ("log-level", "info"), ("token-prefix", "glpat-"), ("require-expiry", "true"),
            ("max-lifetime-days", "365"), ("admin-mode", "false"), ("external-url", "(SERVER_NAME and SERVER_PORT)"),
            ("socket", "-"), ("socket-mode", "0660"), ("listen", "-"), ("threads", "(2 × cores)"),
            ("max-body-size", "1048576"), ("monitoring-allow", "(loopback only)"), ("allow-network-filesystem", "false"),
        ]
        let flags: [String: String?] = [
            "data": store.data, "log-level": store.logLevel, "token-prefix": instance.tokenPrefix,
            "require-expiry": instance.requireExpiry, "max-lifetime-days": instance.maxLifetimeDays.map(String.init),
            "admin-mode": instance.adminMode, "external-url": instance.externalURL,
        ]
        for (name, fallback) in defaults {
            let variable = "TOKEND_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            let found = Environment.source(flags[name] ?? nil, variable)
            print("\(name) = \(found?.value ?? fallback)    (\(found?.origin ?? "default"))")
        }
        _ = settings
    }
}
