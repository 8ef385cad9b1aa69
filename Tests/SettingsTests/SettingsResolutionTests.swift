import FastCGIServer
import Logging
import Testing
import TokenCore
import TokendSettings

/// Settings resolved purely from flags, an environment and a config file: flag > variable >
/// file > default, every value validated once, and each value's source named.
struct SettingsResolutionTests {
    let file: ConfigFile

    init() throws {
        file = try ConfigFile(
            text: "# tokend\ndata = /srv/tokend\ntoken-prefix = file-\nmax-lifetime-days = 30\nthreads = 3\n", path: "/etc/tokend.conf")
    }

    @Test func aFlagBeatsTheVariableWhichBeatsTheFileWhichBeatsTheDefault() throws {
        let environment = ["TOKEND_TOKEN_PREFIX": "env-", "TOKEND_THREADS": "5", "TOKEND_ADMIN_MODE": "on"]
        let settings = try Settings.resolve(flags: [.tokenPrefix: "flag-"], environment: environment, file: file)
        #expect(settings.instance.tokenPrefix == "flag-")
        #expect(settings.threads == 5)
        #expect(settings.instance.maximumLifetimeDays == 30)
        #expect(settings.data == "/srv/tokend")
        #expect(settings.instance.adminMode)
        #expect(settings.instance.requireExpiry)
        #expect(settings.maxBodySize == 1 << 20)
        #expect(settings.sources[.tokenPrefix]?.source == .flag)
        #expect(settings.sources[.threads]?.source == .environment("TOKEND_THREADS"))
        #expect(settings.sources[.data]?.source == .file("/etc/tokend.conf"))
        #expect(settings.sources[.requireExpiry] == nil)
    }

    @Test func anEmptyVariableCountsAsUnset() throws {
        let settings = try Settings.resolve(flags: [:], environment: ["TOKEND_DATA": ""], file: file)
        #expect(settings.data == "/srv/tokend")
    }

    @Test func theListeningSocketAndItsMode() throws {
        let unix = try Settings.resolve(flags: [.socket: "/run/t.sock", .socketMode: "0600"], environment: [:], file: nil)
        #expect(unix.listenSocket == .unix(path: "/run/t.sock", mode: 0o600))
        let tcp = try Settings.resolve(flags: [:], environment: ["TOKEND_LISTEN": "127.0.0.1:9000"], file: nil)
        #expect(tcp.listenSocket == .tcp(host: "127.0.0.1", port: 9000))
        #expect(try Settings.resolve(flags: [:], environment: [:], file: nil).listenSocket == nil)
    }

    @Test(arguments: [
        ([SettingName.threads: "0"], "--threads must be at least 1"),
        ([.socket: "/s", .listen: "127.0.0.1:1"], "give --socket or --listen, not both"),
        ([.socket: "/s", .socketMode: "9"], "--socket-mode takes an octal mode such as 0660"),
        ([.requireExpiry: "maybe"], "--require-expiry takes true or false, not 'maybe'"),
        ([.tokenPrefix: ""], "--token-prefix must be 1 to 20 visible ASCII characters"),
        ([.externalURL: "gitlab.example.com"], "--external-url takes an http:// or https:// URL, e.g. https://gitlab.example.com"),
        ([.logLevel: "loud"], "--log-level takes trace, debug, info, notice, warning, error or critical, not 'loud'"),
        ([.auditRetentionDays: "-1"], "--audit-retention-days must be 0 (keep all) or a number of days"),
        ([.auditMaxFileSize: "100"], "--audit-max-file-size must be at least 4096 bytes"),
        ([.webhookExtendedIntervals: "sometimes"], "--webhook-extended-intervals takes true or false, not 'sometimes'"),
        ([.allowLocalWebhooks: "2"], "--allow-local-webhooks takes true or false, not '2'"),
    ])
    func invalidValuesAreRefusedWithTheFlagsName(flags: [SettingName: String], message: String) {
        #expect(throws: SettingsError(message)) { try Settings.resolve(flags: flags, environment: [:], file: nil) }
    }

    @Test func auditAndNotifySettings() throws {
        let defaults = try Settings.resolve(flags: [:], environment: [:], file: nil)
        #expect(defaults.auditRetentionDays == 0 && defaults.auditMaxFileBytes == 16 << 20)
        #expect(!defaults.webhookExtendedIntervals && !defaults.allowLocalWebhooks)
        let file = try ConfigFile(text: "audit-retention-days = 400\nwebhook-extended-intervals = yes\n", path: "/c")
        let set = try Settings.resolve(
            flags: [.auditMaxFileSize: "65536"], environment: ["TOKEND_ALLOW_LOCAL_WEBHOOKS": "true", "TOKEND_AUDIT_RETENTION_DAYS": "90"],
            file: file)
        #expect(set.auditRetentionDays == 90, "the variable beats the file")
        #expect(set.auditMaxFileBytes == 65536)
        #expect(set.webhookExtendedIntervals && set.allowLocalWebhooks)
        #expect(set.sources[.auditRetentionDays]?.source == .environment("TOKEND_AUDIT_RETENTION_DAYS"))
    }

    @Test func theConfigFileNamesItsMistakes() {
        #expect(throws: SettingsError("/c:2: unknown setting 'nonsense'")) { try ConfigFile(text: "data = x\nnonsense = 1\n", path: "/c") }
        #expect(throws: SettingsError("/c:1: expected name = value")) { try ConfigFile(text: "data\n", path: "/c") }
    }

    @Test func failpointsOnlyWithTheSwitch() throws {
        let environment = ["TOKEND_COMPACTION_BYTES": "4096", "TOKEND_FAILPOINT": "journal.sync=eio"]
        #expect(try Settings.resolve(flags: [:], environment: environment, file: nil).testHooks == Settings.TestHooks(compactionBytes: 4096))
        #expect(try Settings.resolve(flags: [:], environment: [:], file: nil).testHooks == nil)
        var on = environment
        on["TOKEND_TEST_HOOKS"] = "1"
        let hooks = try Settings.resolve(flags: [:], environment: on, file: nil).testHooks
        #expect(hooks == Settings.TestHooks(compactionBytes: 4096, failpoint: "journal.sync=eio"))
    }

    @Test func everyVariableNamesItsSetting() {
        for name in SettingName.allCases {
            #expect(SettingName(variable: name.variable) == name)
        }
        #expect(SettingName.maxBodySize.variable == "TOKEND_MAX_BODY_SIZE")
    }
}
