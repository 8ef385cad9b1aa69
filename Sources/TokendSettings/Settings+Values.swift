public import FastCGIServer
public import Logging
public import TokenCore

#if canImport(Glibc)
import Glibc
#endif

/// The settings by name, typed as the table declares them: what the rest of tokend reads.
extension Settings {
    public var data: String { required(.data) }
    /// `--store postgres://user@host:port/db` (or libpq's keyword/value form): the PostgreSQL
    /// store; nil: the JSON store in ``data``.
    public var postgresStore: PostgresConninfo? { value(.store) }
    public var logLevel: Logger.Level { required(.logLevel) }
    /// The config file's path, when one was named.
    public var configPath: String? { value(.config) }
    public var allowNetworkFilesystem: Bool { required(.allowNetworkFilesystem) }

    /// The instance settings that change token behaviour.
    public var instance: InstanceSettings {
        InstanceSettings(
            tokenPrefix: required(.tokenPrefix), requireExpiry: required(.requireExpiry),
            maximumLifetimeDays: required(.maxLifetimeDays), adminMode: required(.adminMode),
            serviceAccountTokenExpiry: required(.serviceAccountTokenExpiry))
    }

    /// The URL clients use (links, `web_url`s, bot e-mail addresses); nil: the web server's.
    public var externalURL: String? { value(.externalURL) }

    /// `--socket` (with `--socket-mode`) or `--listen`, when given (else systemd, fd 0 or CGI decide).
    public var listenSocket: ListenSocket? {
        if let path: String = value(.socket) { return .unix(path: path, mode: required(.socketMode, as: mode_t.self)) }
        return value(.listen)
    }

    /// Accept threads; nil: twice the cores.
    public var threads: Int? { value(.threads) }
    public var maxBodySize: Int { required(.maxBodySize) }
    public var monitoringAllowList: [String] { value(.monitoringAllow) ?? [] }

    /// `--audit-retention-days`: audit files whose events are all older are removed, oldest
    /// first (0: never).
    public var auditRetentionDays: Int { required(.auditRetentionDays) }
    /// `--audit-max-file-size`: a new audit file past this many bytes (and at each new UTC day).
    public var auditMaxFileBytes: Int { required(.auditMaxFileSize) }
    /// `--audit-witness`: where the audit chain's head goes after every append: `syslog`,
    /// `none`, `file:/path` or `unix:/path` (a datagram socket), checked when read.
    public var auditWitness: String { required(.auditWitness) }

    /// `--webhook-extended-intervals`: expiry notices at 60 and 30 days too, not only at 7
    /// (GitLab's `extended_*_expiry_webhooks_execute`).
    public var webhookExtendedIntervals: Bool { required(.webhookExtendedIntervals) }
    /// `--allow-local-webhooks`: let the notifier post to loopback, private and link-local
    /// addresses (GitLab's `allow_local_requests_from_web_hooks_and_services`).
    public var allowLocalWebhooks: Bool { required(.allowLocalWebhooks) }
    /// `--webhook-timeout`: seconds one webhook delivery may take, lookup and request
    /// (GitLab's `webhook_timeout`, 10 by default).
    public var webhookTimeoutSeconds: Int { required(.webhookTimeout) }
    /// `--notify-timeout`: seconds one `tokend notify` run may spend delivering; what is left is
    /// for the next run, so one run never outlasts the timer's interval.
    public var notifyTimeoutSeconds: Int { required(.notifyTimeout) }

    /// `--session-expire-delay` and `--session-lifetime`: how long web sessions last.
    public var webSessionPolicy: WebSessionPolicy {
        WebSessionPolicy(idleTimeoutMinutes: required(.sessionExpireDelay), absoluteLifetimeMinutes: required(.sessionLifetime))
    }

    /// `--web-server-sign-in`: nil (off), `REMOTE_USER`, or the header the operator's proxy sets.
    public var webServerSignIn: String? {
        let source: String = required(.webServerSignIn)
        if source.lowercased() == "off" { return nil }
        return source.uppercased() == "REMOTE_USER" ? "REMOTE_USER" : source
    }

    /// `--gate-sessions`: `/-/auth` accepts a signed-in browser's session cookie too.
    public var gateSessions: Bool { required(.gateSessions) }

    /// `off`, `REMOTE_USER`, or a header name: 1 to 64 letters, digits and `-` (no `_`, which
    /// proxies treat inconsistently; the README says how to strip the client's spellings).
    public static func isWebServerSignIn(_ source: String) -> Bool {
        let lowered = source.lowercased()
        if lowered == "off" || lowered == "remote_user" { return true }
        return !source.isEmpty && source.utf8.count <= 64
            && source.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"):
                    return true
                default: return false
                }
            }
    }
}
