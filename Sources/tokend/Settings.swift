import ArgumentParser
import FastCGIServer
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import PostgresStore
import TokenCore
import TokenAudit
import TokenStore
import TokendSettings

extension StoreOptions {
    /// This invocation's settings: these flags and the flags of the command's other groups (`more`)
    /// over the environment over the config file (`--config`, else `TOKEND_CONFIG`) over the
    /// defaults, resolved once.
    func settings(_ more: [SettingName: String]...) throws -> Settings {
        try settings(flags: more.reduce(into: flags) { all, group in all.merge(group) { own, _ in own } })
    }

    func settings(flags: [SettingName: String]) throws -> Settings {
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
    func openStore() throws -> any AdminStore { try settings(flags: flags).openStore() }
}

extension Settings {
    /// A worker's request threads: `--threads`, else twice the cores.
    var workerThreads: Int { threads ?? 2 * ProcessInfo.processInfo.activeProcessorCount }

    /// Opens the store: the PostgreSQL database of `--store`, else the data directory.
    func openStore(loading: JSONFileStore.Loading = .eager) throws -> any AdminStore {
        if let postgres { return PostgresStore(location: postgres, logger: logger("tokend"), auditWitness: witness) }
        return try openDirectory(loading: loading)
    }

    /// `--audit-witness` (validated when the settings were read).
    var witness: AuditWitness { AuditWitness(setting: auditWitness) ?? .syslog }

    /// The PostgreSQL store's location, when `--store` names one.
    var postgres: PostgresLocation? {
        postgresStore.map { store in
            PostgresLocation(parameters: store.parameters.map { ($0.keyword, $0.value) }, description: store.location)
        }
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
