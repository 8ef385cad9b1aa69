import ArgumentParser
import TokendSettings

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
        let settings = try store.settings(instance.flags)
        for name in SettingName.allCases where name != .config {
            let found = settings.sources[name]
            print("\(name.rawValue) = \(found?.value ?? name.defaultDescription)    (\(found?.source.description ?? "default"))")
        }
    }
}
