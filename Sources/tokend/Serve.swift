import ArgumentParser
import FastCGIServer
import Foundation
import Logging
import TokenAPI
import PostgresStore
import TokenCore
import TokenStore
import TokendSettings

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the FastCGI worker (or answer one CGI request).",
        discussion: """
            Where the listening socket comes from, in this order:
              1. --socket PATH (a unix socket, created with --socket-mode) or --listen HOST:PORT;
              2. systemd socket activation (LISTEN_FDS/LISTEN_PID: fd 3);
              3. a listening socket on fd 0 (spawn-fcgi, Apache mod_fcgid, StandardInput=socket);
              4. otherwise, when GATEWAY_INTERFACE is set, one plain CGI request from the
                 environment and stdin (Apache mod_cgi, fcgiwrap).

            SIGTERM or SIGINT: requests in flight finish, then the worker exits 0.

            Example, behind nginx:
              tokend serve --data /var/lib/tokend --socket /run/tokend/fcgi.sock --threads 4
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var instance: InstanceOptions

    @Option(name: .long, help: ArgumentHelp("Listen on this unix socket path (env TOKEND_SOCKET).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Mode of the unix socket, octal (env TOKEND_SOCKET_MODE; default 0660).", valueName: "mode"))
    var socketMode: String?

    @Option(name: .long, help: ArgumentHelp("Listen on TCP host:port, e.g. 127.0.0.1:9000 (env TOKEND_LISTEN).", valueName: "host:port"))
    var listen: String?

    @Option(name: .long, help: ArgumentHelp("Accept threads (env TOKEND_THREADS; default twice the cores).", valueName: "n"))
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp("Comma-separated client addresses (or prefixes ending in '.') allowed to read /-/ health checks besides loopback (env TOKEND_MONITORING_ALLOW).", valueName: "list"))
    var monitoringAllow: String?

    @Option(name: .long, help: ArgumentHelp("Largest request body in bytes (env TOKEND_MAX_BODY_SIZE; default 1048576).", valueName: "bytes"))
    var maxBodySize: Int?

    @Option(name: .long, help: ArgumentHelp("Remove audit files whose events are all older than this many days, oldest first; 0 keeps them all (env TOKEND_AUDIT_RETENTION_DAYS; default 0).", valueName: "days"))
    var auditRetentionDays: Int?

    @Option(name: .long, help: ArgumentHelp("Start a new audit file past this size, besides each new UTC day (env TOKEND_AUDIT_MAX_FILE_SIZE; default 16777216).", valueName: "bytes"))
    var auditMaxFileSize: Int?

    @Option(name: .long, help: ArgumentHelp("Where the audit chain's head (seq and MAC) goes after every write: syslog, none, file:/path or unix:/path (a datagram socket) (env TOKEND_AUDIT_WITNESS; default syslog).", valueName: "sink"))
    var auditWitness: String?

    /// These flags, for ``StoreOptions/settings(_:)``.
    var flags: [SettingName: String] {
        var flags = instance.flags
        flags[.socket] = socket
        flags[.socketMode] = socketMode
        flags[.listen] = listen
        flags[.threads] = threads.map(String.init)
        flags[.monitoringAllow] = monitoringAllow
        flags[.maxBodySize] = maxBodySize.map(String.init)
        flags[.auditRetentionDays] = auditRetentionDays.map(String.init)
        flags[.auditMaxFileSize] = auditMaxFileSize.map(String.init)
        flags[.auditWitness] = auditWitness
        return flags
    }

    func validate() throws {
        _ = try store.settings(flags)
    }

    func run() throws {
        let settings = try store.settings(flags)
        let environment = ProcessEnvironment.variables
        let logger = settings.logger("tokend")
        let listenSocket = try Self.listenSocket(settings, environment: environment)
        let store: ServedStore
        do {
            store = try StoreBackend(settings).open(settings, for: listenSocket == nil ? .oneRequest : .worker)
        } catch let error as StoreError {
            logger.critical("cannot open the store", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        } catch let error as RepositoryError {
            logger.critical("cannot open the store", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let application = Application(dependencies: APIDependencies(
            repository: store.repository, secret: store.secret, random: .system, clock: .system, settings: settings.instance,
            externalURL: settings.externalURL, maximumBodySize: settings.maxBodySize,
            monitoringAllowList: settings.monitoringAllowList, logger: logger, failedAuthentications: store.failedAuthentications))
        guard let listenSocket else {
            throw ExitCode(CGIRunner.run(environment: environment, application: application))
        }
        // Before any thread starts, so that only the wait below receives SIGTERM.
        TerminationSignals.block()
        let fd: Int32
        do {
            fd = try listenSocket.open()
        } catch {
            logger.critical("cannot listen", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let threadCount = settings.threads ?? 2 * ProcessInfo.processInfo.activeProcessorCount
        let accessLog = settings.logLevel <= .info ? AccessLog(sink: .standardError) : nil
        let server = FastCGIServer(listenFD: fd, threads: threadCount, application: application, logger: logger, accessLog: accessLog)
        // Request lines are batched; a second is the longest one waits to reach the log. Failed
        // authentications reach the audit log in one write every five seconds at most. Stopped
        // in reverse: the accept threads drain first, then the flushers write what is left.
        let services = ServiceGroup(WorkerServices.flushers(for: application, log: .standardError) + [server], logger: logger)
        try services.start()
        let signal = TerminationSignals.wait()
        logger.info("stopping: finishing in-flight requests", metadata: ["signal": "\(signal)"])
        services.shutdown()
        if case .unix(let path, _) = listenSocket { unlink(path) }
    }

    /// The socket to serve on, or nil for CGI mode: the configured one, else systemd's, else a
    /// listening fd 0, else CGI when the web server started us as one.
    static func listenSocket(_ settings: Settings, environment: [String: String]) throws -> ListenSocket? {
        if let configured = settings.listenSocket { return configured }
        if let fd = ListenSocket.systemdSocket(environment: environment) { return .inherited(fd) }
        if ListenSocket.standardInputIsListening() { return .inherited(0) }
        if CGIRunner.isCGI(environment: environment) { return nil }
        throw ValidationError("no socket to serve on: give --socket PATH or --listen HOST:PORT, or start tokend from spawn-fcgi, systemd or a web server")
    }
}
