import ArgumentParser
import Foundation
import Logging
import TokenCore
import TokenStore

/// Settings shared by every command that opens a data directory. Each flag falls back to its
/// environment variable (TOKEND_ + flag name), then to the documented default.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (env TOKEND_DATA; default ./var).", valueName: "dir"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical (env TOKEND_LOG_LEVEL; default info).", valueName: "level"))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp("A settings file of `name = value` lines (env TOKEND_CONFIG); flags and environment win over it.", valueName: "file"))
    var config: String?

    mutating func validate() throws {
        if let config { setenv("TOKEND_CONFIG", config, 1) }
        if case .failure(let error) = ConfigFile.current { throw ValidationError(error.description) }
    }

    @Flag(help: "Accept a store on NFS, CIFS or FUSE, whose locks are unreliable (env TOKEND_ALLOW_NETWORK_FILESYSTEM).")
    var allowNetworkFilesystem = false

    var dataDirectory: String { Environment.resolve(data, "TOKEND_DATA") ?? "./var" }

    /// Opens the store in the data directory, refusing unsafe filesystems unless allowed.
    /// `onDemand` (CGI mode) reads single records from the files instead of loading them all.
    func openStore(loading: JSONFileStore.Loading = .eager) throws -> JSONFileStore {
        var allowed = allowNetworkFilesystem
        if !allowed, let value = Environment.resolve(nil, "TOKEND_ALLOW_NETWORK_FILESYSTEM") {
            allowed = try Environment.boolean(value, flag: "TOKEND_ALLOW_NETWORK_FILESYSTEM")
        }
        return try JSONFileStore(directory: dataDirectory, allowNetworkFilesystem: allowed, loading: loading, logger: logger("tokend"))
    }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { JSONLogHandler(label: $0) }
        let level = Environment.resolve(logLevel, "TOKEND_LOG_LEVEL") ?? "info"
        logger.logLevel = Logger.Level(rawValue: level.lowercased()) ?? .info
        return logger
    }
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

    @Option(name: .long, help: ArgumentHelp("The URL clients use, for pagination links (env TOKEND_EXTERNAL_URL; default: the request's own host).", valueName: "url"))
    var externalURL: String?

    func settings() throws -> InstanceSettings {
        var settings = InstanceSettings()
        if let prefix = Environment.resolve(tokenPrefix, "TOKEND_TOKEN_PREFIX") {
            guard !prefix.isEmpty, prefix.count <= 20 else { throw ValidationError("--token-prefix must be 1 to 20 characters") }
            settings.tokenPrefix = prefix
        }
        if let value = Environment.resolve(requireExpiry, "TOKEND_REQUIRE_EXPIRY") {
            settings.requireExpiry = try Environment.boolean(value, flag: "--require-expiry")
        }
        if let days = maxLifetimeDays ?? Environment.resolve(nil, "TOKEND_MAX_LIFETIME_DAYS").flatMap({ Int($0) }) {
            guard days >= 1 else { throw ValidationError("--max-lifetime-days must be at least 1") }
            settings.maximumLifetimeDays = days
        }
        if let value = Environment.resolve(adminMode, "TOKEND_ADMIN_MODE") {
            settings.adminMode = try Environment.boolean(value, flag: "--admin-mode")
        }
        return settings
    }

    var resolvedExternalURL: String? { Environment.resolve(externalURL, "TOKEND_EXTERNAL_URL") }
}

enum Environment {
    /// The flag's value, else the environment variable's (empty counts as unset), else the
    /// config file's.
    static func resolve(_ flag: String?, _ variable: String) -> String? {
        source(flag, variable)?.value
    }

    /// The value and where it came from: "flag", "environment", the config file's path.
    static func source(_ flag: String?, _ variable: String) -> (value: String, origin: String)? {
        if let flag { return (flag, "flag") }
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return (value, variable) }
        if case .success(let file) = ConfigFile.current, let value = file.values[ConfigFile.name(forVariable: variable)] {
            return (value, file.path ?? "config")
        }
        return nil
    }

    static func boolean(_ text: String, flag: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ValidationError("\(flag) takes true or false, not '\(text)'")
        }
    }

    static let systemClock = Clock {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
