/// Every setting tokend has, by the name of its flag. The one rule (style.md): `--data` is
/// `TOKEND_DATA` in the environment and `data = …` in the config file; a flag beats the
/// variable, the variable beats the file, the file beats the default.
public enum SettingName: String, CaseIterable, Sendable, Hashable {
    case data
    case store
    case logLevel = "log-level"
    case config
    case allowNetworkFilesystem = "allow-network-filesystem"
    case tokenPrefix = "token-prefix"
    case requireExpiry = "require-expiry"
    case maxLifetimeDays = "max-lifetime-days"
    case adminMode = "admin-mode"
    case externalURL = "external-url"
    case socket
    case socketMode = "socket-mode"
    case listen
    case threads
    case maxBodySize = "max-body-size"
    case monitoringAllow = "monitoring-allow"
    case auditRetentionDays = "audit-retention-days"
    case auditMaxFileSize = "audit-max-file-size"
    case auditWitness = "audit-witness"
    case webhookExtendedIntervals = "webhook-extended-intervals"
    case allowLocalWebhooks = "allow-local-webhooks"
    case webhookTimeout = "webhook-timeout"
    case notifyTimeout = "notify-timeout"

    /// `TOKEND_` + the flag in upper case, `-` as `_`.
    public var variable: String { "TOKEND_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// The setting a variable names (`TOKEND_TOKEN_PREFIX` → `token-prefix`), if any.
    public init?(variable: String) {
        guard variable.hasPrefix("TOKEND_") else { return nil }
        let flag = variable.dropFirst("TOKEND_".count).lowercased().replacingOccurrences(of: "_", with: "-")
        self.init(rawValue: flag)
    }

    /// What applies when nothing sets it, as `config check` shows it.
    public var defaultDescription: String {
        switch self {
        case .data: return "./var"
        case .store: return "(the JSON store in --data)"
        case .logLevel: return "info"
        case .config: return "-"
        case .allowNetworkFilesystem: return "false"
        case .tokenPrefix: return "glpat-"
        case .requireExpiry: return "true"
        case .maxLifetimeDays: return "365"
        case .adminMode: return "false"
        case .externalURL: return "(SERVER_NAME and SERVER_PORT)"
        case .socket, .listen: return "-"
        case .socketMode: return "0660"
        case .threads: return "(2 × cores)"
        case .maxBodySize: return "1048576"
        case .monitoringAllow: return "(loopback only)"
        case .auditRetentionDays: return "0 (keep every audit file)"
        case .auditMaxFileSize: return "16777216"
        case .auditWitness: return "syslog"
        case .webhookExtendedIntervals: return "false"
        case .allowLocalWebhooks: return "false"
        case .webhookTimeout: return "10"
        case .notifyTimeout: return "600"
        }
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
