import FastCGIServer
import Logging
import Testing
import TokenCore
import TokendSettings

/// The settings table (`SettingTable.swift`) is the one declaration of each setting: these check
/// that every entry is whole (its default parses to its declared type, its help says where else
/// it is set and what its default is) and that values from every source go through its parser.
struct SettingTableTests {
    @Test(arguments: SettingName.allCases)
    func everyDefaultParsesToTheDeclaredType(name: SettingName) throws {
        let declaration = name.declaration
        let settings = try Settings.resolve(flags: [:], environment: [:], file: nil)
        guard declaration.defaultValue != nil else {
            #expect(settings.value(name, as: Any.self) == nil, "\(name.flag) has no default, so no value")
            return
        }
        let value = try #require(settings.value(name, as: Any.self))
        #expect(type(of: value) == declaration.parser.type, "\(name.flag)")
        #expect(settings.sources[name] == nil, "a default has no source")
    }

    @Test(arguments: SettingName.allCases)
    func theHelpLineNamesTheVariableAndTheDefault(name: SettingName) {
        let declaration = name.declaration
        let help = declaration.helpText(for: name)
        #expect(help.hasPrefix(declaration.help.dropLast()) && help.hasSuffix(")."), "\(help)")
        #expect(help.contains("(env \(name.variable)"), "\(help)")
        if let value = declaration.defaultValue {
            #expect(help.contains("; default: \(value))."), "\(help)")
            #expect(name.defaultDescription == value)
        } else if let instead = declaration.instead {
            #expect(help.contains("; default: \(instead))."), "\(help)")
        } else {
            #expect(!help.contains("default"), "\(help)")
        }
        if declaration.isOnOff { #expect(["true", "false"].contains(declaration.defaultValue), "an on/off setting has a default") }
    }

    @Test func everyGroupHasSettingsAndEverySettingOneGroup() {
        for group in SettingGroup.allCases { #expect(!group.names.isEmpty, "\(group)") }
        #expect(SettingGroup.allCases.map(\.names.count).reduce(0, +) == SettingName.allCases.count)
    }

    @Test func theTypedValuesHaveTheirDefaults() throws {
        let settings = try Settings.resolve(flags: [:], environment: [:], file: nil)
        #expect(settings.data == "./var" && settings.postgresStore == nil && settings.configPath == nil)
        #expect(settings.logLevel == .info && !settings.allowNetworkFilesystem)
        #expect(settings.instance == InstanceSettings())
        #expect(settings.externalURL == nil && settings.listenSocket == nil && settings.threads == nil)
        #expect(settings.maxBodySize == 1 << 20 && settings.monitoringAllowList.isEmpty)
        #expect(settings.auditRetentionDays == 0 && settings.auditMaxFileBytes == 16 << 20 && settings.auditWitness == "syslog")
        #expect(!settings.webhookExtendedIntervals && !settings.allowLocalWebhooks)
        #expect(settings.webhookTimeoutSeconds == 10 && settings.notifyTimeoutSeconds == 600)
    }

    /// A number that is not one says so, and names where it came from (it used to say "must
    /// be at least 1" of `TOKEND_THREADS=abc`).
    @Test(arguments: [
        (SettingName.threads, "abc", "--threads takes a whole number, not 'abc'"),
        (.maxLifetimeDays, "1y", "--max-lifetime-days takes a whole number, not '1y'"),
        (.webhookTimeout, "", "--webhook-timeout takes a whole number, not ''"),
        (.adminMode, "enabled", "--admin-mode takes true or false, not 'enabled'"),
    ])
    func aBadValueNamesTheFlagAndItsSource(name: SettingName, value: String, message: String) throws {
        #expect(throws: SettingsError(message)) { try Settings.resolve(flags: [name: value], environment: [:], file: nil) }
        if !value.isEmpty {
            #expect(throws: SettingsError("\(message) (from \(name.variable))")) {
                try Settings.resolve(flags: [:], environment: [name.variable: value], file: nil)
            }
            let file = try ConfigFile(text: "\(name.rawValue) = \(value)\n", path: "/etc/tokend.conf")
            #expect(throws: SettingsError("\(message) (from /etc/tokend.conf)")) {
                try Settings.resolve(flags: [:], environment: [:], file: file)
            }
        }
    }

    /// The environment and the config file keep every spelling of on and off they took before.
    @Test(arguments: [("true", true), ("1", true), ("YES", true), ("on", true), ("False", false), ("0", false), ("no", false), ("off", false)])
    func onOffSettingsTakeEverySpelling(text: String, on: Bool) throws {
        let settings = try Settings.resolve(flags: [:], environment: ["TOKEND_REQUIRE_EXPIRY": text, "TOKEND_ADMIN_MODE": text], file: nil)
        #expect(settings.instance.requireExpiry == on && settings.instance.adminMode == on)
        #expect(settings.sources[.adminMode]?.value == text)
    }

    /// An on/off flag given as `--no-admin-mode` reaches resolve as `false`, and beats the variable.
    @Test func anOffFlagBeatsTheVariable() throws {
        let settings = try Settings.resolve(flags: [.adminMode: "false"], environment: ["TOKEND_ADMIN_MODE": "on"], file: nil)
        #expect(!settings.instance.adminMode)
        #expect(settings.sources[.adminMode]?.source == .flag)
    }

    @Test func theSocketModeAppliesToTheSocket() throws {
        let settings = try Settings.resolve(flags: [.socket: "/run/t.sock"], environment: ["TOKEND_SOCKET_MODE": "0640"], file: nil)
        #expect(settings.listenSocket == .unix(path: "/run/t.sock", mode: 0o640))
        #expect(try Settings.resolve(flags: [.socket: "/s"], environment: [:], file: nil).listenSocket == .unix(path: "/s", mode: 0o660))
    }

    @Test func theMonitoringListIsTrimmed() throws {
        let settings = try Settings.resolve(flags: [.monitoringAllow: " 10.0.0.5, 192.168.1.,,"], environment: [:], file: nil)
        #expect(settings.monitoringAllowList == ["10.0.0.5", "192.168.1."])
    }
}
