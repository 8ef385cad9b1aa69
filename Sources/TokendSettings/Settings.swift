public import FastCGIServer
public import Logging
public import TokenCore

#if canImport(Glibc)
import Glibc
#endif

/// Every setting of one tokend invocation, resolved once from its flags, the environment and the
/// config file, then passed down: nothing below the executable reads the environment.
public struct Settings: Sendable {
    /// Where a value came from, strongest first.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case flag
        case environment(String)
        case file(String)
        case defaultValue

        public var description: String {
            switch self {
            case .flag: return "flag"
            case .environment(let variable): return variable
            case .file(let path): return path
            case .defaultValue: return "default"
            }
        }
    }

    /// Store knobs for tests and benchmarks: the compaction size always, a failpoint only with
    /// `TOKEND_TEST_HOOKS=1`.
    public struct TestHooks: Sendable, Equatable {
        /// `TOKEND_COMPACTION_BYTES`: compact when the journal passes this size.
        public var compactionBytes: Int?
        /// `TOKEND_FAILPOINT` (with `TOKEND_TEST_HOOKS=1`): `name[:n][=action]`, see the store's
        /// failpoints.
        public var failpoint: String?

        public init(compactionBytes: Int? = nil, failpoint: String? = nil) {
            self.compactionBytes = compactionBytes
            self.failpoint = failpoint
        }
    }

    public var data: String
    /// `--store postgres://user@host:port/db`: the PostgreSQL store; nil: the JSON store in ``data``.
    public var postgresURL: String?
    public var logLevel: Logger.Level
    /// The config file's path, when one was named.
    public var configPath: String?
    public var allowNetworkFilesystem: Bool
    public var instance: InstanceSettings
    /// The URL clients use (links, `web_url`s, bot e-mail addresses); nil: the web server's.
    public var externalURL: String?
    /// `--socket` / `--listen`, when given (else systemd, fd 0 or CGI decide).
    public var listenSocket: ListenSocket?
    /// Accept threads; nil: twice the cores.
    public var threads: Int?
    public var maxBodySize: Int
    public var monitoringAllowList: [String]
    public var testHooks: TestHooks?
    /// `--audit-retention-days`: audit files whose events are all older are removed, oldest
    /// first (0: never).
    public var auditRetentionDays: Int
    /// `--audit-max-file-size`: a new audit file past this many bytes (and at each new UTC day).
    public var auditMaxFileBytes: Int
    /// `--audit-witness`: where the audit chain's head goes after every append: `syslog`,
    /// `none`, `file:/path` or `unix:/path` (a datagram socket), checked when read.
    public var auditWitness: String
    /// `--webhook-extended-intervals`: expiry notices at 60 and 30 days too, not only at 7
    /// (GitLab's `extended_*_expiry_webhooks_execute`).
    public var webhookExtendedIntervals: Bool
    /// `--allow-local-webhooks`: let the notifier post to loopback, private and link-local
    /// addresses (GitLab's `allow_local_requests_from_web_hooks_and_services`).
    public var allowLocalWebhooks: Bool
    /// `--webhook-timeout`: seconds one webhook delivery may take, lookup and request
    /// (GitLab's `webhook_timeout`, 10 by default).
    public var webhookTimeoutSeconds: Int
    /// `--notify-timeout`: seconds one `tokend notify` run may spend delivering; what is left is
    /// for the next run, so one run never outlasts the timer's interval.
    public var notifyTimeoutSeconds: Int
    /// Each setting's value as given and its source, for `tokend config check`.
    public var sources: [SettingName: (value: String, source: Source)]

    /// Resolves `flags` over `environment` over `file` over the defaults. Pure: the caller reads
    /// the environment and the file once and hands them in.
    public static func resolve(
        flags: [SettingName: String], environment: [String: String], file: ConfigFile?
    ) throws(SettingsError) -> Settings {
        var sources: [SettingName: (value: String, source: Source)] = [:]
        for name in SettingName.allCases {
            if let value = flags[name] {
                sources[name] = (value, .flag)
            } else if let value = environment[name.variable], !value.isEmpty {
                sources[name] = (value, .environment(name.variable))
            } else if let file, let value = file.values[name] {
                sources[name] = (value, .file(file.path))
            }
        }
        func value(_ name: SettingName) -> String? { sources[name]?.value }
        /// The setting as a whole number of at least `minimum`; nil when it is not set.
        func integer(_ name: SettingName, atLeast minimum: Int, _ problem: String) throws(SettingsError) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), number >= minimum else { throw SettingsError(problem) }
            return number
        }

        var postgresURL: String?
        if let store = value(.store) {
            guard PostgresURL.isValid(store) else {
                throw SettingsError("--store takes a PostgreSQL URL, postgres://user@host:port/database (the JSON store needs none: it is in --data)")
            }
            postgresURL = store
            // `config check` shows where it came from, never a password.
            sources[.store]?.value = PostgresURL.redacted(store)
        }

        var instance = InstanceSettings()
        if let prefix = value(.tokenPrefix) {
            guard !prefix.isEmpty, prefix.count <= 20, prefix.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw SettingsError("--token-prefix must be 1 to 20 visible ASCII characters")
            }
            instance.tokenPrefix = prefix
        }
        if let text = value(.requireExpiry) { instance.requireExpiry = try boolean(text, .requireExpiry) }
        if let days = try integer(.maxLifetimeDays, atLeast: 1, "--max-lifetime-days must be a whole number of at least 1") {
            instance.maximumLifetimeDays = days
        }
        if let text = value(.adminMode) { instance.adminMode = try boolean(text, .adminMode) }

        var level = Logger.Level.info
        if let text = value(.logLevel) {
            guard let parsed = Logger.Level(rawValue: text.lowercased()) else {
                throw SettingsError("--log-level takes trace, debug, info, notice, warning, error or critical, not '\(text)'")
            }
            level = parsed
        }

        var listenSocket: ListenSocket?
        if let path = value(.socket) {
            guard value(.listen) == nil else { throw SettingsError("give --socket or --listen, not both") }
            let modeText = value(.socketMode) ?? "0660"
            guard let mode = mode_t(modeText, radix: 8), mode <= 0o777 else {
                throw SettingsError("--socket-mode takes an octal mode such as 0660")
            }
            listenSocket = .unix(path: path, mode: mode)
        } else if let address = value(.listen) {
            guard let tcp = ListenSocket.parseTCP(address) else { throw SettingsError("--listen takes HOST:PORT, e.g. 127.0.0.1:9000") }
            listenSocket = tcp
        }

        let threads = try integer(.threads, atLeast: 1, "--threads must be at least 1")
        let maxBodySize = try integer(.maxBodySize, atLeast: 1, "--max-body-size must be a positive number of bytes") ?? 1 << 20
        var externalURL: String?
        if let url = value(.externalURL) {
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw SettingsError("--external-url takes an http:// or https:// URL, e.g. https://gitlab.example.com")
            }
            externalURL = url
        }
        var allowNetworkFilesystem = false
        if let text = value(.allowNetworkFilesystem) { allowNetworkFilesystem = try boolean(text, .allowNetworkFilesystem) }

        let auditRetentionDays =
            try integer(.auditRetentionDays, atLeast: 0, "--audit-retention-days must be 0 (keep all) or a number of days") ?? 0
        let auditMaxFileBytes = try integer(.auditMaxFileSize, atLeast: 4096, "--audit-max-file-size must be at least 4096 bytes") ?? 16 << 20
        let auditWitness = value(.auditWitness) ?? "syslog"
        guard Self.isAuditWitness(auditWitness) else {
            throw SettingsError("--audit-witness takes syslog, none, file:/absolute/path or unix:/absolute/path (a datagram socket)")
        }
        var webhookExtendedIntervals = false
        if let text = value(.webhookExtendedIntervals) { webhookExtendedIntervals = try boolean(text, .webhookExtendedIntervals) }
        var allowLocalWebhooks = false
        if let text = value(.allowLocalWebhooks) { allowLocalWebhooks = try boolean(text, .allowLocalWebhooks) }
        let webhookTimeoutSeconds = try integer(.webhookTimeout, atLeast: 1, "--webhook-timeout must be a whole number of seconds, at least 1") ?? 10
        let notifyTimeoutSeconds = try integer(.notifyTimeout, atLeast: 1, "--notify-timeout must be a whole number of seconds, at least 1") ?? 600

        let compactionBytes = environment["TOKEND_COMPACTION_BYTES"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        let failpoint = environment["TOKEND_TEST_HOOKS"] == "1" ? environment["TOKEND_FAILPOINT"] : nil
        let testHooks = compactionBytes == nil && failpoint == nil
            ? nil : TestHooks(compactionBytes: compactionBytes, failpoint: failpoint)

        return Settings(
            data: value(.data) ?? "./var", postgresURL: postgresURL, logLevel: level, configPath: value(.config),
            allowNetworkFilesystem: allowNetworkFilesystem, instance: instance, externalURL: externalURL,
            listenSocket: listenSocket, threads: threads, maxBodySize: maxBodySize,
            monitoringAllowList: (value(.monitoringAllow) ?? "").split(separator: ",").map { Substring($0).trimmed }.filter { !$0.isEmpty },
            testHooks: testHooks, auditRetentionDays: auditRetentionDays, auditMaxFileBytes: auditMaxFileBytes, auditWitness: auditWitness,
            webhookExtendedIntervals: webhookExtendedIntervals, allowLocalWebhooks: allowLocalWebhooks,
            webhookTimeoutSeconds: webhookTimeoutSeconds, notifyTimeoutSeconds: notifyTimeoutSeconds, sources: sources)
    }

    /// The forms `--audit-witness` takes (TokenStore's `AuditWitness` parses them): an absolute
    /// path of printable ASCII, a socket's short enough for `sun_path`.
    static func isAuditWitness(_ text: String) -> Bool {
        if text == "syslog" || text == "none" { return true }
        let printable = text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        if text.hasPrefix("file:/") { return printable && text.utf8.count < 4096 }
        if text.hasPrefix("unix:/") { return printable && text.utf8.count - 5 < 108 }
        return false
    }

    static func boolean(_ text: String, _ name: SettingName) throws(SettingsError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw SettingsError("--\(name.rawValue) takes true or false, not '\(text)'")
        }
    }
}
