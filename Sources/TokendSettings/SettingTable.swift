/// The one declaration of each setting: the table that `--help`, every command's flags,
/// ``Settings/resolve(flags:environment:file:)`` and `tokend config check` are derived from.
/// A new setting is a case of ``SettingName`` and its entry here (the switch makes one without
/// the other a compile error), then a typed accessor on ``Settings`` for its readers.
extension SettingName {
    /// This setting's declaration (built once, with the others, at first use).
    public var declaration: SettingDeclaration { Self.table[self]! }

    static let table = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.declared) })

    private var declared: SettingDeclaration {
        switch self {
        // Every command that opens the store.
        case .data:
            SettingDeclaration(.store, "The data directory.", value: "dir", default: "./var")
        case .store:
            SettingDeclaration(
                .store,
                "The PostgreSQL store instead of the JSON store in --data: postgres://user@host:port/db, or libpq's host=… port=… dbname=… form.",
                value: "url", instead: "the JSON store in --data", parser: .postgres, shown: PostgresConninfo.shown)
        case .logLevel:
            SettingDeclaration(.store, "Log level: trace, debug, info, notice, warning, error, critical.", value: "level", default: "info", parser: .logLevel)
        case .config:
            SettingDeclaration(.store, "A settings file of `name = value` lines; flags and environment win over it.", value: "file")
        case .allowNetworkFilesystem:
            .onOff(.store, "Accept a store on NFS, CIFS or FUSE, whose locks are unreliable.", default: false)

        // What new tokens may be.
        case .tokenPrefix:
            SettingDeclaration(
                .tokens, "Prefix of new tokens.", value: "prefix", default: "glpat-",
                parser: .checked(otherwise: "must be 1 to 20 visible ASCII characters") { prefix in
                    !prefix.isEmpty && prefix.count <= 20 && prefix.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
                })
        case .requireExpiry:
            .onOff(.tokens, "Require an expiry date on every token.", default: true)
        case .serviceAccountTokenExpiry:
            .onOff(
                .tokens, "Hold service accounts' tokens to --require-expiry; off lets them never expire (GitLab's service_access_tokens_expiration_enforced).",
                default: true)
        case .maxLifetimeDays:
            SettingDeclaration(
                .tokens, "Longest token lifetime in days.", value: "days", default: "365",
                parser: .number(atLeast: 1, otherwise: "must be a whole number of at least 1"))
        case .adminMode:
            .onOff(.tokens, "GitLab Admin Mode: admins need the admin_mode scope.", default: false)

        case .externalURL:
            SettingDeclaration(
                .links, "The URL clients use, for links, bot e-mail addresses and webhook payloads.", value: "url",
                instead: "the web server's SERVER_NAME and SERVER_PORT, never the client's Host; notify: http://localhost",
                parser: .httpURL)

        // The FastCGI worker.
        case .socket:
            SettingDeclaration(.server, "Listen on this unix socket path.", value: "path")
        case .socketMode:
            SettingDeclaration(.server, "Mode of the unix socket, octal.", value: "mode", default: "0660", parser: .octalMode)
        case .listen:
            SettingDeclaration(.server, "Listen on TCP host:port, e.g. 127.0.0.1:9000.", value: "host:port", parser: .tcpAddress)
        case .threads:
            SettingDeclaration(
                .server, "Accept threads.", value: "n", instead: "twice the cores", parser: .number(atLeast: 1, otherwise: "must be at least 1"))
        case .monitoringAllow:
            SettingDeclaration(
                .server, "Comma-separated client addresses (or prefixes ending in '.') allowed to read /-/ health checks besides loopback.",
                value: "list", instead: "loopback only", parser: .list)
        case .maxBodySize:
            SettingDeclaration(
                .server, "Largest request body in bytes.", value: "bytes", default: "1048576",
                parser: .number(atLeast: 1, otherwise: "must be a positive number of bytes"))
        case .auditRetentionDays:
            SettingDeclaration(
                .server, "Remove audit files whose events are all older than this many days, oldest first; 0 keeps them all.",
                value: "days", default: "0", parser: .number(atLeast: 0, otherwise: "must be 0 (keep all) or a number of days"))
        case .auditMaxFileSize:
            SettingDeclaration(
                .server, "Start a new audit file past this size, besides each new UTC day.", value: "bytes", default: "16777216",
                parser: .number(atLeast: 4096, otherwise: "must be at least 4096 bytes"))
        case .auditWitness:
            SettingDeclaration(
                .server, "Where the audit chain's head (seq and MAC) goes after every write: syslog, none, file:/path or unix:/path (a datagram socket).",
                value: "sink", default: "syslog",
                parser: .checked(otherwise: "takes syslog, none, file:/absolute/path or unix:/absolute/path (a datagram socket)", Settings.isAuditWitness))

        // Expiry webhooks.
        case .webhookExtendedIntervals:
            .onOff(.notify, "Also notify at 60 and 30 days, not only at 7.", default: false)
        case .allowLocalWebhooks:
            .onOff(.notify, "Allow hooks on loopback, private and link-local addresses.", default: false)
        case .webhookTimeout:
            SettingDeclaration(
                .notify, "Seconds one delivery may take.", value: "seconds", default: "10",
                parser: .number(atLeast: 1, otherwise: "must be a whole number of seconds, at least 1"))
        case .notifyTimeout:
            SettingDeclaration(
                .notify, "Seconds one run may spend delivering.", value: "seconds", default: "600",
                parser: .number(atLeast: 1, otherwise: "must be a whole number of seconds, at least 1"))

        // People signing in to the web pages.
        case .sessionExpireDelay:
            SettingDeclaration(
                .server, "Minutes a signed-in session may sit unused before it ends (GitLab's session_expire_delay).", value: "minutes",
                default: "10080", parser: .number(atLeast: 1, otherwise: "must be a whole number of minutes, at least 1"))
        case .sessionLifetime:
            SettingDeclaration(
                .server, "Minutes after sign-in when a session ends however busy it is.", value: "minutes", default: "43200",
                parser: .number(atLeast: 1, otherwise: "must be a whole number of minutes, at least 1"))
        case .webServerSignIn:
            SettingDeclaration(
                .server,
                "Sign in the user the web server names: off, REMOTE_USER (the CGI variable its auth module sets) or a header name its proxy sets (clients must not be able to send it).",
                value: "source", default: "off",
                parser: .checked(otherwise: "takes off, REMOTE_USER or a header name (letters, digits and -)", Settings.isWebServerSignIn))
        case .gateSessions:
            .onOff(.server, "Let /-/auth accept a signed-in browser's session cookie, not only tokens.", default: false)
        }
    }
}
