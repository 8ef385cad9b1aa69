import ArgumentParser
import FastCGIServer
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import PostgresStore
import TokenCore
import TokenStore
import TokendSettings

/// The flags every command that opens a data directory takes. ``settings(_:)`` resolves them,
/// once per invocation, with the environment and the config file into ``Settings``.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (env TOKEND_DATA; default ./var).", valueName: "dir"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("The PostgreSQL store instead of the JSON store in --data: postgres://user@host:port/db (env TOKEND_STORE).", valueName: "url"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical (env TOKEND_LOG_LEVEL; default info).", valueName: "level"))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp("A settings file of `name = value` lines (env TOKEND_CONFIG); flags and environment win over it.", valueName: "file"))
    var config: String?

    @Flag(help: "Accept a store on NFS, CIFS or FUSE, whose locks are unreliable (env TOKEND_ALLOW_NETWORK_FILESYSTEM).")
    var allowNetworkFilesystem = false

    var flags: [SettingName: String] {
        var flags: [SettingName: String] = [:]
        flags[.data] = data
        flags[.store] = store
        flags[.logLevel] = logLevel
        flags[.config] = config
        if allowNetworkFilesystem { flags[.allowNetworkFilesystem] = "true" }
        return flags
    }

    /// This invocation's settings: these flags and `more` over the environment over the config
    /// file (`--config`, else `TOKEND_CONFIG`) over the defaults.
    func settings(_ more: [SettingName: String] = [:]) throws -> Settings {
        let flags = self.flags.merging(more) { own, _ in own }
        let environment = ProcessEnvironment.variables
        var file: ConfigFile?
        if let path = flags[.config] ?? environment[SettingName.config.variable], !path.isEmpty {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the config file \(path)")
            }
            do { file = try ConfigFile(text: text, path: path) } catch { throw ValidationError(error.description) }
        }
        do {
            return try Settings.resolve(flags: flags, environment: environment, file: file)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Opens the store of these settings (for commands that need nothing else).
    func openStore() throws -> any AdminStore { try settings().openStore() }
}

/// The instance settings that change token behaviour.
struct InstanceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Prefix of new tokens (env TOKEND_TOKEN_PREFIX; default glpat-).", valueName: "prefix"))
    var tokenPrefix: String?

    @Option(name: .long, help: ArgumentHelp("Require an expiry date on every token: true or false (env TOKEND_REQUIRE_EXPIRY; default true).", valueName: "bool"))
    var requireExpiry: String?

    @Option(name: .long, help: ArgumentHelp("Longest token lifetime in days (env TOKEND_MAX_LIFETIME_DAYS; default 365).", valueName: "days"))
    var maxLifetimeDays: Int?

    @Option(name: .long, help: ArgumentHelp("GitLab Admin Mode: admins need the admin_mode scope (env TOKEND_ADMIN_MODE; default false).", valueName: "bool"))
    var adminMode: String?

    @Option(name: .long, help: ArgumentHelp("The URL clients use, for links and bot e-mail addresses (env TOKEND_EXTERNAL_URL; default: the web server's SERVER_NAME and SERVER_PORT, never the client's Host).", valueName: "url"))
    var externalURL: String?

    var flags: [SettingName: String] {
        var flags: [SettingName: String] = [:]
        flags[.tokenPrefix] = tokenPrefix
        flags[.requireExpiry] = requireExpiry
        flags[.maxLifetimeDays] = maxLifetimeDays.map(String.init)
        flags[.adminMode] = adminMode
        flags[.externalURL] = externalURL
        return flags
    }
}

extension Settings {
    /// Opens the store: the PostgreSQL database of `--store`, else the data directory.
    func openStore(loading: JSONFileStore.Loading = .eager) throws -> any AdminStore {
        if let postgres { return PostgresStore(location: postgres, logger: logger("tokend"), auditWitness: witness) }
        return try openDirectory(loading: loading)
    }

    /// `--audit-witness` (validated when the settings were read).
    var witness: AuditWitness { AuditWitness(setting: auditWitness) ?? .syslog }

    /// The PostgreSQL store's location, when `--store` names one.
    var postgres: PostgresLocation? {
        postgresURL.map { PostgresLocation(url: $0, description: PostgresURL.location($0)) }
    }

    /// Opens the store in the data directory, refusing unsafe filesystems unless allowed. Run
    /// as root on another user's directory, it first becomes that user (``StoreOwnership``).
    /// `onDemand` (CGI mode) reads single records from the files instead of loading them all.
    func openDirectory(loading: JSONFileStore.Loading = .eager) throws -> JSONFileStore {
        try becomeStoreOwner()
        let tuning = JSONFileStore.Tuning(
            compactionBytes: testHooks?.compactionBytes, failpoint: testHooks?.failpoint, auditFileBytes: auditMaxFileBytes,
            auditRetentionDays: auditRetentionDays, auditWitness: witness)
        do {
            return try JSONFileStore(
                directory: data, allowNetworkFilesystem: allowNetworkFilesystem, loading: loading, tuning: tuning,
                logger: logger("tokend"))
        } catch {
            guard error.errno == EACCES else { throw error }
            var explained = error
            explained.detail = StoreOwnership.accessAdvice(directory: data)
            throw explained
        }
    }

    /// A logger writing JSON lines to stderr at the configured level.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { JSONLogHandler(label: $0, sink: .standardError) }
        logger.logLevel = logLevel
        return logger
    }
}

extension LogSink {
    /// The process's stderr: every log line of this process goes through it, so request lines
    /// batched by the access log and immediate lines keep their order.
    static let standardError = LogSink(descriptor: 2)
}

/// The process's environment, read once: the only reader of it in tokend. Everything below the
/// executable gets what it needs through ``Settings`` or as a parameter.
enum ProcessEnvironment {
    static let variables = ProcessInfo.processInfo.environment
}

extension Clock {
    /// The system's wall clock, in milliseconds.
    static let system = Clock {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
