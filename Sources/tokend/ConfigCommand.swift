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
            Sources, strongest first: a flag, the environment variable (TOKEND_ + the flag in upper \
            case, - as _), the config file (--config or TOKEND_CONFIG; the flag without its dashes \
            as the key), the default. Takes every command's setting flags, to check them. Exits \
            non-zero when a value is invalid, naming the setting and where the value came from.

            Example:
              TOKEND_CONFIG=/etc/tokend.conf tokend config check
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var tokens: TokenOptions
    @OptionGroup var links: LinkOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var notify: NotifyOptions

    func run() throws {
        let settings = try store.settings(tokens.flags, links.flags, server.flags, notify.flags)
        for name in SettingName.allCases where name != .config {
            let found = settings.sources[name]
            print("\(name.rawValue) = \(found?.value ?? name.defaultDescription)    (\(found?.source.description ?? "default"))")
        }
    }
}
