/// What one setting is: which commands take its flag, how its text becomes a value, what applies
/// when nothing sets it, and what its help says. Its flag, variable and config key all follow
/// from its ``SettingName``. Everything else is derived from this: the flag in each command, the
/// help line, ``Settings/resolve(flags:environment:file:)`` and `tokend config check`.
public struct SettingDeclaration: Sendable {
    /// The commands whose flags include it.
    public var group: SettingGroup
    /// One sentence for `--help`; the variable and the default are appended to it (``helpText(for:)``).
    public var help: String
    /// How the value is written in help (`--data <dir>`); nil for an on/off setting, whose flag
    /// is `--name` / `--no-name`.
    public var valueName: String?
    /// The text that applies when nothing sets it, parsed like any other; nil: unset.
    public var defaultValue: String?
    /// For a setting without a default, what applies instead (`twice the cores`).
    public var instead: String?
    /// Text to typed value, or the problem with it.
    public var parser: SettingParser
    /// How `config check` shows a value (the PostgreSQL URL without its password).
    public var shown: @Sendable (String) -> String

    /// A setting that takes a value.
    public init(
        _ group: SettingGroup, _ help: String, value valueName: String, default defaultValue: String? = nil,
        instead: String? = nil, parser: SettingParser = .text, shown: @escaping @Sendable (String) -> String = { $0 }
    ) {
        self.group = group
        self.help = help
        self.valueName = valueName
        self.defaultValue = defaultValue
        self.instead = instead
        self.parser = parser
        self.shown = shown
    }

    /// An on/off setting: `--name` / `--no-name` on the command line, `true`/`false` (or
    /// `1`/`0`, `yes`/`no`, `on`/`off`) in the environment and the config file.
    public static func onOff(_ group: SettingGroup, _ help: String, default on: Bool) -> SettingDeclaration {
        var declaration = SettingDeclaration(group, help, value: "", default: String(on), parser: .boolean)
        declaration.valueName = nil
        return declaration
    }

    public var isOnOff: Bool { valueName == nil }

    /// The whole help line of `name`'s flag: the sentence, then where else it can be set and its
    /// default, from this declaration (`The data directory (env TOKEND_DATA; default: ./var).`).
    public func helpText(for name: SettingName) -> String {
        var where_ = "env \(name.variable)"
        if let defaultValue {
            where_ += "; default: \(defaultValue)"
        } else if let instead {
            where_ += "; default: \(instead)"
        }
        let sentence = help.hasSuffix(".") ? String(help.dropLast()) : help
        return "\(sentence) (\(where_))."
    }
}

/// Which commands take a setting's flag (each command includes the groups it uses). The
/// environment and the config file set every setting for every command.
public enum SettingGroup: Sendable, CaseIterable {
    /// Every command that opens the store.
    case store
    /// What new tokens may be: `serve`, `token create`.
    case tokens
    /// The URL clients use: `serve`, `token create`, `notify`.
    case links
    /// The FastCGI worker: `serve`.
    case server
    /// Expiry webhooks: `notify`.
    case notify

    /// The settings of this group, in ``SettingName`` order.
    public var names: [SettingName] { Self.members[self] ?? [] }

    private static let members = Dictionary(grouping: SettingName.allCases) { $0.declaration.group }
}
