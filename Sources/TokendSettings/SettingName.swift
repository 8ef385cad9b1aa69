/// Every setting tokend has, by the name of its flag, in the order help and `config check` show
/// them. Each case's one declaration (type, parser, default, help) is in `SettingTable.swift`.
/// The one rule (style.md): `--data` is `TOKEND_DATA` in the environment and `data = …` in the
/// config file; a flag beats the variable, the variable beats the file, the file beats the default.
public enum SettingName: String, CaseIterable, Sendable, Hashable {
    case data
    case store
    case logLevel = "log-level"
    case config
    case allowNetworkFilesystem = "allow-network-filesystem"
    case tokenPrefix = "token-prefix"
    case requireExpiry = "require-expiry"
    case serviceAccountTokenExpiry = "service-account-token-expiry"
    case maxLifetimeDays = "max-lifetime-days"
    case adminMode = "admin-mode"
    case externalURL = "external-url"
    case socket
    case socketMode = "socket-mode"
    case listen
    case threads
    case monitoringAllow = "monitoring-allow"
    case maxBodySize = "max-body-size"
    case auditRetentionDays = "audit-retention-days"
    case auditMaxFileSize = "audit-max-file-size"
    case auditWitness = "audit-witness"
    case webhookExtendedIntervals = "webhook-extended-intervals"
    case allowLocalWebhooks = "allow-local-webhooks"
    case webhookTimeout = "webhook-timeout"
    case notifyTimeout = "notify-timeout"
    case sessionExpireDelay = "session-expire-delay"
    case sessionLifetime = "session-lifetime"
    case webServerSignIn = "web-server-sign-in"
    case gateSessions = "gate-sessions"

    /// `--` + the name.
    public var flag: String { "--" + rawValue }

    /// `TOKEND_` + the flag in upper case, `-` as `_`.
    public var variable: String { "TOKEND_" + String(rawValue.uppercased().map { $0 == "-" ? "_" : $0 }) }

    /// The setting a variable names (`TOKEND_TOKEN_PREFIX` → `token-prefix`), if any.
    public init?(variable: String) {
        guard variable.hasPrefix("TOKEND_") else { return nil }
        let flag = String(variable.dropFirst("TOKEND_".count).lowercased().map { $0 == "_" ? "-" : $0 })
        self.init(rawValue: flag)
    }

    /// What `config check` shows when nothing sets it: the default, else what applies instead.
    public var defaultDescription: String {
        let declaration = self.declaration
        if let value = declaration.defaultValue { return value }
        return declaration.instead.map { "(\($0))" } ?? "-"
    }
}
