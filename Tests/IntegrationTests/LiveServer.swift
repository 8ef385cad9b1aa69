import Foundation
import JSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real deployment on loopback for one test: a temporary data directory, `tokend serve`
/// worker processes on a unix socket, and a private nginx in front on a free port. Requests go
/// through nginx with curl. ``stop()`` ends every process it started, by PID.
final class LiveServer: @unchecked Sendable {
    let directory: String
    let data: String
    let socket: String
    let port: Int
    let binary: String
    private var workers: [Process] = []
    private var nginx: Process?
    /// The store's backend; for PostgreSQL, the database's URL.
    let backend: Backend
    let databaseURL: String?
    /// `TOKEND_STORE` for every tokend this server starts (workers and CLI), when on PostgreSQL:
    /// the commands themselves are the same as on the JSON store.
    var storeEnvironment: [String: String] { databaseURL.map { ["TOKEND_STORE": $0] } ?? [:] }

    /// The tokend binary: `TOKEND_BIN` (set by `make test`), else the debug build.
    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["TOKEND_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/tokend").path
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// Initialises a store and starts `workers` worker processes and nginx. On `.postgres`, the
    /// store is a new database in the shared test cluster, or `databaseURL` (another host's).
    init(
        workers count: Int = 1, threads: Int = 2, environment: [String: String] = [:], initialize: Bool = true,
        backend: Backend = .json, databaseURL: String? = nil
    ) throws {
        self.backend = backend
        if backend == .postgres, let reason = PostgresCluster.unavailable { try Test.cancel("skipped on PostgreSQL: \(reason)") }
        self.databaseURL = backend == .postgres ? try databaseURL ?? PostgresCluster.createDatabase() : nil
        binary = Self.binaryPath
        directory = try Self.makeTemporaryDirectory()
        data = directory + "/data"
        socket = directory + "/fcgi.sock"
        port = try Self.freePort()
        if initialize { _ = try tokend(["init", "--data", data]) }
        try startNginx()
        for _ in 0..<count { try startWorker(threads: threads, environment: environment) }
        try waitUntilServing(workerExpected: count > 0)
    }

    deinit { stop() }

    // MARK: Processes

    func startWorker(threads: Int = 2, environment: [String: String] = [:], socketPath: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data", data, "--socket", socketPath ?? socket, "--threads", String(threads)]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in storeEnvironment.merging(environment, uniquingKeysWith: { $1 }) { env[k] = v }
        process.environment = env
        process.standardError = FileHandle(forWritingAtPath: logFile("worker-\(workers.count).log"))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        workers.append(process)
        try waitForSocket(socketPath ?? socket)
    }

    /// SIGTERM to every worker, and wait for each to exit; returns their exit codes.
    @discardableResult
    func stopWorkers() -> [Int32] {
        var codes: [Int32] = []
        for process in workers where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        for process in workers {
            waitForExit(process, seconds: 10)
            codes.append(process.isRunning ? -1 : process.terminationStatus)
        }
        workers.removeAll()
        return codes
    }

    var workerPIDs: [Int32] { workers.map(\.processIdentifier) + spawnedPIDs }

    /// PIDs of workers started by spawn-fcgi (it forks them and exits).
    private(set) var spawnedPIDs: [Int32] = []

    /// Starts `processes` workers with spawn-fcgi on the nginx socket, as deploy/spawn-fcgi does.
    func spawnWorkers(processes: Int, threads: Int = 2, environment: [String: String] = [:]) throws {
        let pidFile = directory + "/spawn.pid"
        var env = storeEnvironment.merging(environment) { $1 }
        env["TOKEND_DATA"] = data
        // The workers inherit spawn-fcgi's stdout/stderr: give them a file, not our pipe.
        let log = logFile("worker-spawned-\(spawnedPIDs.count).log")
        // spawn-fcgi's children are daemons: start it with posix_spawn, every other descriptor
        // closed, so no pipe or Foundation bookkeeping socket of this process leaks into them.
        var fullEnvironment = ProcessInfo.processInfo.environment
        for (k, v) in env { fullEnvironment[k] = v }
        let status = try Self.spawnAndWait(
            "/usr/bin/spawn-fcgi",
            ["-s", socket, "-M", "0666", "-F", String(processes), "-P", pidFile, "--", binary, "serve", "--threads", String(threads)],
            environment: fullEnvironment, log: log)
        guard status == 0 else { throw HarnessError("spawn-fcgi failed; see \(log)") }
        let pids = try String(contentsOfFile: pidFile, encoding: .utf8).split(whereSeparator: \.isNewline).compactMap { Int32($0) }
        spawnedPIDs += pids
        try waitUntilServing(workerExpected: true)
    }

    /// Stops spawn-fcgi's workers by PID (SIGTERM, then SIGKILL after 10 s).
    func stopSpawned() {
        for pid in spawnedPIDs { kill(pid, SIGTERM) }
        for pid in spawnedPIDs {
            for _ in 0..<500 where kill(pid, 0) == 0 { usleep(20_000) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        spawnedPIDs.removeAll()
    }

    /// Runs `count` requests, `parallel` at a time, with curl through nginx; returns the status codes.
    func load(
        count: Int, parallel: Int, method: String, path: String, token: String, form: String? = nil
    ) throws -> [Int] {
        var command = "seq \(count) | xargs -P \(parallel) -I{} curl -s -o /dev/null --max-time 20 -w '%{http_code}\\n' -X \(method) -H 'PRIVATE-TOKEN: \(token)'"
        if let form { command += " --data '\(form)'" }
        command += " 'http://127.0.0.1:\(port)/api/v4\(path)'"
        let result = try Self.run("/bin/sh", ["-c", command])
        return result.stdout.split(separator: "\n").compactMap { Int($0) }
    }

    func stop() {
        stopWorkers()
        stopSpawned()
        if let nginx, nginx.isRunning {
            kill(nginx.processIdentifier, SIGQUIT)
            waitForExit(nginx, seconds: 5)
            if nginx.isRunning { kill(nginx.processIdentifier, SIGKILL) }
        }
        nginx = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func startNginx() throws {
        let prefix = directory + "/nginx"
        try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
        let template = try String(contentsOfFile: Self.packageRoot + "/nginx/local.conf.template", encoding: .utf8)
        let config = template
            .replacingOccurrences(of: "@PREFIX@", with: prefix)
            .replacingOccurrences(of: "@PORT@", with: String(port))
            .replacingOccurrences(of: "@SOCKET@", with: socket)
            .replacingOccurrences(of: "@USER_DIRECTIVE@", with: getuid() == 0 ? "user root root;" : "")
        try config.write(toFile: prefix + "/nginx.conf", atomically: false, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"]
        process.standardError = FileHandle(forWritingAtPath: logFile("nginx.stderr"))
        try process.run()
        nginx = process
    }

    /// Waits for nginx (and, when expected, a worker behind it) to answer.
    func waitUntilServing(workerExpected: Bool) throws {
        for _ in 0..<200 {
            if let response = try? request("GET", "/version"), response.status != 0,
                !workerExpected || (response.status != 502 && response.status != 503)
            {
                return
            }
            usleep(50_000)
        }
        throw HarnessError("nginx and tokend did not start serving within 10 s; see \(directory)")
    }

    /// Waits up to 5 s for a worker to create its socket.
    func waitForSocket(_ path: String) throws {
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: path) { return }
            usleep(25_000)
        }
        throw HarnessError("the worker did not create \(path)")
    }

    private func waitForExit(_ process: Process, seconds: Int) {
        for _ in 0..<(seconds * 50) where process.isRunning { usleep(20_000) }
    }

    func logFile(_ name: String) -> String {
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    /// Everything the workers logged so far.
    var workerLogs: String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("worker-") }.sorted()
            .compactMap { try? String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }.joined()
    }

    // MARK: CLI

    /// Runs the tokend CLI and returns its stdout, trimmed; throws on a non-zero exit.
    @discardableResult
    func tokend(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try Self.run(binary, arguments, environment: storeEnvironment.merging(environment) { $1 })
        guard result.status == 0 else {
            throw HarnessError("tokend \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A token for `user` made with the CLI.
    func createToken(user: String = "root", name: String = "test", scopes: String = "api", expiresAt: String? = nil) throws -> String {
        var args = ["token", "create", "--data", data, "--user", user, "--name", name, "--scopes", scopes]
        if let expiresAt { args += ["--expires-at", expiresAt] }
        return try tokend(args)
    }

    func createUser(_ username: String, admin: Bool = false) throws -> Int {
        var args = ["user", "create", "--data", data, "--username", username]
        if admin { args.append("--admin") }
        guard let id = Int(try tokend(args)) else { throw HarnessError("user create printed no id") }
        return id
    }

    // MARK: HTTP through nginx

    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }

        func header(_ name: String) -> String? {
            headers.last { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// Sends a request through nginx with curl. `path` is below /api/v4 unless it starts with
    /// "//" (then it is taken verbatim after the host).
    func request(
        _ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:], json: String? = nil,
        form: String? = nil, rawBody: String? = nil, contentType: String? = nil
    ) throws -> Response {
        let target = path.hasPrefix("//") ? String(path.dropFirst()) : "/api/v4" + path
        var args = ["-s", "-i", "--path-as-is", "-X", method, "--max-time", "20"]
        if method == "HEAD" { args = ["-s", "-I", "--path-as-is", "--max-time", "20"] }
        if let token { args += ["-H", "PRIVATE-TOKEN: \(token)"] }
        for (name, value) in headers { args += ["-H", "\(name): \(value)"] }
        if let json { args += ["-H", "Content-Type: application/json", "--data-binary", json] }
        if let form { args += ["-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", form] }
        if let rawBody {
            if let contentType { args += ["-H", "Content-Type: \(contentType)"] }
            let file = directory + "/body-\(UInt64.random(in: 0...UInt64.max))"
            try rawBody.write(toFile: file, atomically: false, encoding: .utf8)
            args += ["--data-binary", "@" + file]
        }
        args.append("http://127.0.0.1:\(port)\(target)")
        let result = try Self.run("/usr/bin/curl", args)
        guard result.status == 0 else { throw HarnessError("curl exited \(result.status)") }
        return Self.parse(result.stdout)
    }

    static func parse(_ raw: String) -> Response {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalized.components(separatedBy: "\n\n")
        let head = parts.first ?? ""
        let body = parts.dropFirst().joined(separator: "\n\n")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Response(status: status, headers: headers, body: body)
    }

    // MARK: Utilities

    /// One request straight to a worker's socket with `cgi-fcgi`, bypassing nginx; returns the
    /// raw CGI response (`Status: …` first).
    static func fastCGI(socket: String, method: String, uri: String, token: String) throws -> String {
        try run(
            "/usr/bin/cgi-fcgi", ["-bind", "-connect", socket],
            environment: [
                "REQUEST_METHOD": method, "REQUEST_URI": uri, "HTTP_PRIVATE_TOKEN": token,
                "GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "127.0.0.1",
            ]
        ).stdout
    }

    /// Unmounts every mount stacked on `path` (bind mounts can stack through propagation).
    static func unmountAll(_ path: String) {
        for _ in 0..<4 {
            guard let result = try? run("/bin/umount", [path]), result.status == 0 else { return }
        }
    }

    /// SIGTERM, then waits up to `seconds`; returns the exit status, or nil if it had to be killed.
    static func terminate(_ pid: pid_t, seconds: Int = 10) -> Int32? {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<(seconds * 50) {
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xFF }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return nil
    }

    /// Waits up to `seconds` for `condition`, polling: request log lines reach the log in batches,
    /// at the latest a second after the request.
    @discardableResult
    static func eventually(seconds: Double = 3, _ condition: () throws -> Bool) rethrows -> Bool {
        for _ in 0..<Int(seconds * 20) {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    /// A short private directory (unix socket paths must stay under 108 bytes).
    static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/tokend-it.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HarnessError("mkdtemp failed")
        }
        return String(cString: made)
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw HarnessError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Where a live server keeps its store: the JSON store in its data directory, or PostgreSQL.
enum Backend: String, Sendable, CaseIterable, CustomStringConvertible {
    case json
    case postgres

    var description: String { rawValue }

    /// Every backend: a test case on PostgreSQL where its server binaries are missing is
    /// cancelled with the reason (``LiveServer`` does it), so it shows as skipped, not absent.
    static var available: [Backend] { allCases }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
