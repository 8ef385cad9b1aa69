import ArgumentParser
import FastCGIServer
import Foundation
import Logging
import TokenAPI
import TokenCore
import TokenStore

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

    func validate() throws {
        if socket != nil && listen != nil { throw ValidationError("give --socket or --listen, not both") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let logger = store.logger("tokend")
        let bodyLimit = maxBodySize ?? Environment.resolve(nil, "TOKEND_MAX_BODY_SIZE").flatMap { Int($0) } ?? 1 << 20
        let listenSocket = try resolveSocket()
        let application: Application
        do {
            // One CGI request reads a token or two: find them in the files rather than load all.
            let repository = try store.openStore(loading: listenSocket == nil ? .onDemand : .eager)
            let secret = try StoreSetup.loadSecret(directory: store.dataDirectory)
            let environment = APIEnvironment(
                repository: repository, secret: secret, clock: Environment.systemClock,
                settings: try instance.settings(), externalURL: instance.resolvedExternalURL,
                maximumBodySize: bodyLimit, logger: logger)
            var configured = environment
            configured.monitoringAllowList = (Environment.resolve(monitoringAllow, "TOKEND_MONITORING_ALLOW") ?? "")
                .split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            application = Application(environment: configured)
        } catch let error as StoreError {
            logger.critical("cannot open the store", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        guard let listenSocket else {
            let status = CGIRunner.run(maximumBodySize: bodyLimit) { application.respond(to: $0) }
            throw ExitCode(status)
        }
        let fd: Int32
        do {
            fd = try listenSocket.open()
        } catch {
            logger.critical("cannot listen", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let threadCount = threads ?? Environment.resolve(nil, "TOKEND_THREADS").flatMap { Int($0) }
            ?? 2 * ProcessInfo.processInfo.activeProcessorCount
        let server = FastCGIServer(
            listenFD: fd, threads: threadCount, maximumBodySize: bodyLimit, logger: logger
        ) { application.respond(to: $0) }
        server.run()
        if case .unix(let path, _) = listenSocket { unlink(path) }
    }

    /// The socket to serve on, or nil for CGI mode.
    private func resolveSocket() throws -> ListenSocket? {
        if let path = Environment.resolve(socket, "TOKEND_SOCKET") {
            let modeText = Environment.resolve(socketMode, "TOKEND_SOCKET_MODE") ?? "0660"
            guard let mode = mode_t(modeText, radix: 8) else { throw ValidationError("--socket-mode takes an octal mode such as 0660") }
            return .unix(path: path, mode: mode)
        }
        if let address = Environment.resolve(listen, "TOKEND_LISTEN") {
            guard let tcp = ListenSocket.parseTCP(address) else { throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:9000") }
            return tcp
        }
        if let fd = ListenSocket.systemdSocket() { return .inherited(fd) }
        if ListenSocket.standardInputIsListening() { return .inherited(0) }
        if CGIRunner.isCGI { return nil }
        throw ValidationError("no socket to serve on: give --socket PATH or --listen HOST:PORT, or start tokend from spawn-fcgi, systemd or a web server")
    }
}
