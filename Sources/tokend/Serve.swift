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

            A store that cannot be opened yet (PostgreSQL down, a data directory this user \
            cannot read) does not stop a worker: it listens and answers 503 with Retry-After, \
            /-/readiness says why, and it tries again (after 1, 2, 4, then every 5 seconds) \
            until the store opens. One CGI request answers the same complete 503.

            Example, behind nginx:
              tokend serve --data /var/lib/tokend --socket /run/tokend/fcgi.sock --threads 4
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var tokens: TokenOptions
    @OptionGroup var links: LinkOptions
    @OptionGroup var server: ServerOptions

    /// Every setting of this invocation, from these flags, the environment and the config file.
    func settings() throws -> Settings { try store.settings(tokens.flags, links.flags, server.flags) }

    func validate() throws {
        _ = try settings()
    }

    func run() throws {
        let settings = try self.settings()
        let environment = ProcessEnvironment.variables
        let logger = settings.logger("tokend")
        let listenSocket = try Self.listenSocket(settings, environment: environment)
        let lifetime: StoreBackend.Lifetime = listenSocket == nil ? .oneRequest : .worker
        let backend = StoreBackend(settings)
        let metrics = RequestMetrics()
        let makeApplication = { @Sendable (store: ServedStore) in
            Self.application(serving: store, settings: settings, metrics: metrics, logger: logger)
        }
        let handle: ApplicationHandle
        var opener: LateStoreOpener?
        do {
            handle = ApplicationHandle(makeApplication(try backend.open(settings, for: lifetime)))
        } catch {
            // One CGI request always gets a complete answer (503 with Retry-After); a worker
            // starts and answers 503 until the store opens, when waiting can cure what failed.
            let cgiReason = lifetime == .oneRequest ? RepositoryError(.unavailable, "cannot open the store: \(error)") : nil
            guard let reason = StoreBackend.notReady(error) ?? cgiReason else {
                logger.critical("cannot open the store", metadata: ["error": "\(error)"])
                throw ExitCode(2)
            }
            logger.error("the store cannot be opened yet: answering 503", metadata: ["error": "\(reason.message)"])
            handle = ApplicationHandle(makeApplication(backend.unreachable(reason)))
            opener = LateStoreOpener(
                backend: backend, settings: settings, handle: handle, reason: reason, logger: logger, makeApplication: makeApplication)
        }
        guard let listenSocket else {
            throw ExitCode(CGIRunner.run(environment: environment, application: handle.application))
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
        let threadCount = settings.workerThreads
        let accessLog = settings.logLevel <= .info ? AccessLog(sink: .standardError) : nil
        let server = FastCGIServer(listenFD: fd, threads: threadCount, application: handle, logger: logger, accessLog: accessLog)
        // Request lines are batched; a second is the longest one waits to reach the log. Failed
        // authentications reach the audit log in one write every five seconds at most. Stopped
        // in reverse: the accept threads drain first, then the flushers write what is left.
        let waiting = opener.map { [$0.service as any Service] } ?? []
        let services = ServiceGroup(waiting + WorkerServices.flushers(for: handle, log: .standardError) + [server], logger: logger)
        try services.start()
        let signal = TerminationSignals.wait()
        logger.info("stopping: finishing in-flight requests", metadata: ["signal": "\(signal)"])
        services.shutdown()
        if case .unix(let path, _) = listenSocket { unlink(path) }
    }

    /// The application answering from `store`, with this worker's settings.
    static func application(serving store: ServedStore, settings: Settings, metrics: RequestMetrics, logger: Logger) -> Application {
        Application(dependencies: APIDependencies(
            repository: store.repository, secret: store.secret, random: .system, clock: .system, settings: settings.instance,
            externalURL: settings.externalURL, maximumBodySize: settings.maxBodySize,
            monitoringAllowList: settings.monitoringAllowList, metrics: metrics, logger: logger,
            failedAuthentications: store.failedAuthentications,
            web: WebSignInConfiguration(
                signIn: SignInService(secret: store.secret, random: .system, policy: settings.webSessionPolicy),
                webServerSignIn: settings.webServerSignIn, gateAcceptsSessions: settings.gateSessions)))
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
