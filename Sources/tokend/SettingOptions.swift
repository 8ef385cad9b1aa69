import ArgumentParser
import TokendSettings

/// The flags of one ``SettingGroup``, generated from the settings table: a command includes a
/// group with `@OptionGroup var store: StoreOptions`, and gets one flag per setting of the group,
/// named, typed (`--name <value>`, or `--name`/`--no-name` for an on/off setting) and helped by
/// its declaration. No command declares a setting's flag by hand.
///
/// swift-argument-parser finds a command's flags by reflecting over an instance and reads them
/// back through `Decodable`: this type reflects as one `Option` or `Flag` per setting of its
/// group (`customMirror`) and decodes them under the same keys (`init(from:)`).
struct SettingOptions<Group: SettingGroupTag>: ParsableArguments, CustomReflectable {
    /// The flags given, as text for ``Settings/resolve(flags:environment:file:)`` (which parses
    /// every source of a setting the same way); an on/off flag as `true` or `false`.
    private(set) var flags: [SettingName: String] = [:]

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for name in Group.group.names {
            if name.declaration.isOnOff {
                if let on = try container.decode(Flag<Bool?>.self, forKey: Key(name)).wrappedValue { flags[name] = String(on) }
            } else if let text = try container.decode(Option<String?>.self, forKey: Key(name)).wrappedValue {
                flags[name] = text
            }
        }
    }

    var customMirror: Mirror { Mirror(self, children: generatedArguments[Group.group] ?? []) }

    /// A setting's key in the parsed arguments: its flag.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: SettingName) { stringValue = name.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Each group's flags, built once: argument-parser reflects a command's option groups several
/// times per run (more in a debug build, where it validates them), and a CGI request is one run.
/// Immutable after its one initialisation, so shared across threads safely.
private nonisolated(unsafe) let generatedArguments: [SettingGroup: [(label: String?, value: Any)]] = Dictionary(
    uniqueKeysWithValues: SettingGroup.allCases.map { group in
        (group, group.names.map { name in (label: name.rawValue, value: settingArgument(name)) })
    })

/// The flag of one setting, as its declaration says.
private func settingArgument(_ name: SettingName) -> Any {
    let declaration = name.declaration
    let help = declaration.helpText(for: name)
    guard let valueName = declaration.valueName else {
        return Flag<Bool?>(name: .customLong(name.rawValue), inversion: .prefixedNo, help: ArgumentHelp(help))
    }
    return Option<String?>(name: .customLong(name.rawValue), help: ArgumentHelp(help, valueName: valueName))
}

/// A type naming a ``SettingGroup``, so that each group is its own option group.
protocol SettingGroupTag: Sendable {
    static var group: SettingGroup { get }
}

enum StoreSettingGroup: SettingGroupTag { static var group: SettingGroup { .store } }
enum TokenSettingGroup: SettingGroupTag { static var group: SettingGroup { .tokens } }
enum LinkSettingGroup: SettingGroupTag { static var group: SettingGroup { .links } }
enum ServerSettingGroup: SettingGroupTag { static var group: SettingGroup { .server } }
enum NotifySettingGroup: SettingGroupTag { static var group: SettingGroup { .notify } }

/// `--data`, `--store`, `--log-level`, `--config`, `--allow-network-filesystem`: every command
/// that opens the store.
typealias StoreOptions = SettingOptions<StoreSettingGroup>
/// What new tokens may be: `serve`, `token create`.
typealias TokenOptions = SettingOptions<TokenSettingGroup>
/// `--external-url`: `serve`, `token create`, `notify`.
typealias LinkOptions = SettingOptions<LinkSettingGroup>
/// The worker's socket, threads, limits and audit files: `serve`.
typealias ServerOptions = SettingOptions<ServerSettingGroup>
/// The expiry webhooks: `notify`.
typealias NotifyOptions = SettingOptions<NotifySettingGroup>
