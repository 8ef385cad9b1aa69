import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A web server in front of a second service, asking a live tokend worker before each request,
/// from the shipped configuration: nginx with `nginx/auth-gate.conf`, or Caddy with
/// `deploy/caddy/Caddyfile.example`, their addresses, socket, upstream and project id filled in.
/// The guarded service is a ``HeaderEcho`` on another loopback port that answers, as JSON, the
/// raw URI and every header it received. Every process is started and stopped by PID.
final class GatedFront: @unchecked Sendable {
    enum Kind: String, CustomStringConvertible, CaseIterable, Sendable {
        case nginx
        case caddy
        var description: String { rawValue }
    }

    static let caddy = "/usr/bin/caddy"

    /// Why Caddy cannot run here, or nil.
    static var caddyUnavailable: String? {
        FileManager.default.isExecutableFile(atPath: caddy) ? nil : "caddy is not installed (scripts/deps installs it)"
    }

    let directory: String
    /// The gated server's port: `/repo/` needs write_repository, `/dashboard/` read_api and
    /// Developer in the project `projectID` (the shipped files' `project=42`).
    let port: Int
    let upstreamPort: Int
    private let echo: HeaderEcho
    private var pids: [pid_t] = []

    /// Starts the guarded service and `kind` in front of it, asking the worker on `socket`.
    /// `besideDebianDefault` (nginx only) includes a copy of Debian's default site on the same
    /// port before the gate, as `conf.d` and `sites-enabled` are on a Debian install.
    init(_ kind: Kind, server: LiveServer, projectID: Int, besideDebianDefault: Bool = false) throws {
        directory = server.directory + "/gated-\(kind)" + (besideDebianDefault ? "-debian" : "")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try LiveServer.freePort()
        echo = try HeaderEcho(directory: directory)
        upstreamPort = echo.port
        do {
            switch kind {
            case .nginx:
                let gate = try Self.nginxGate(socket: server.socket, port: port, upstream: upstreamPort, projectID: projectID, directory: directory)
                try startNginx(servers: (besideDebianDefault ? try Self.debianDefaultSite(port: port) + "\n" : "") + gate)
            case .caddy:
                try startCaddy(socket: server.socket, projectID: projectID)
            }
            try waitUntilAnswering()
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    func stop() {
        for pid in pids.reversed() { _ = LiveServer.terminate(pid) }
        pids.removeAll()
        echo.stop()
    }

    /// The shipped nginx file with this test's listen address, socket, upstream, project and log.
    static func nginxGate(socket: String, port: Int, upstream: Int, projectID: Int, directory: String) throws -> String {
        let shipped = try String(contentsOfFile: LiveServer.packageRoot + "/nginx/auth-gate.conf", encoding: .utf8)
        return try fill(shipped, [
            ("listen 80;", "listen 127.0.0.1:\(port);"), ("unix:/run/tokend/fcgi.sock", "unix:" + socket),
            ("server 127.0.0.1:8081;", "server 127.0.0.1:\(upstream);"), ("project=42&", "project=\(projectID)&"),
            ("project=42\";", "project=\(projectID)\";"),
            ("/var/log/nginx/tokend-gated.access.log", directory + "/gated.access.log"),
        ])
    }

    /// Where Debian's nginx keeps its default site.
    static let debianDefault = "/etc/nginx/sites-available/default"

    /// Debian's default site as installed, on this test's loopback port (its IPv6 listen
    /// dropped): `listen 80 default_server` and `server_name _`.
    static func debianDefaultSite(port: Int) throws -> String {
        let installed = try String(contentsOfFile: debianDefault, encoding: .utf8)
        return try fill(installed, [
            ("listen 80 default_server;", "listen 127.0.0.1:\(port) default_server;"), ("listen [::]:80 default_server;", ""),
        ])
    }

    /// The shipped Caddyfile with this test's site address, socket, upstream and project, after
    /// global options for a private, unprivileged run: no admin API, no automatic HTTPS.
    static func caddyfile(socket: String, port: Int, upstream: Int, projectID: Int) throws -> String {
        let shipped = try String(contentsOfFile: LiveServer.packageRoot + "/deploy/caddy/Caddyfile.example", encoding: .utf8)
        let site = try fill(shipped, [
            ("app.example.com {", "http://127.0.0.1:\(port) {"), ("unix//run/tokend/fcgi.sock", "unix/" + socket),
            ("reverse_proxy 127.0.0.1:8081", "reverse_proxy 127.0.0.1:\(upstream)"), ("project=42&", "project=\(projectID)&"),
        ])
        return "{\n\tadmin off\n\tauto_https off\n}\n\n" + site
    }

    /// Replaces each pattern, every occurrence; a pattern the shipped file no longer has fails
    /// the test rather than testing something else.
    static func fill(_ text: String, _ replacements: [(String, String)]) throws -> String {
        var text = text
        for (pattern, value) in replacements {
            guard text.contains(pattern) else { throw HarnessError("the shipped file no longer contains \(pattern)") }
            text = text.replacingOccurrences(of: pattern, with: value)
        }
        return text
    }

    /// The warnings `nginx -t` gave for the last configuration (a conflicting server name, say).
    private(set) var nginxWarnings = ""

    /// One nginx with `servers` (the shipped gated server block, maybe after Debian's default).
    private func startNginx(servers: String) throws {
        let config = """
            \(getuid() == 0 ? "user root root;" : "")
            worker_processes 1;
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/nginx-error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(directory)/client_body;
                fastcgi_temp_path \(directory)/fastcgi;
                proxy_temp_path \(directory)/proxy;
                scgi_temp_path \(directory)/scgi;
                uwsgi_temp_path \(directory)/uwsgi;
                \(servers)
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: false, encoding: .utf8)
        let check = try LiveServer.run("/usr/sbin/nginx", ["-t", "-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/nginx-error.log"])
        guard check.status == 0 else { throw HarnessError("nginx -t refused the configuration: \(check.stderr)") }
        nginxWarnings = check.stderr.split(separator: "\n").filter { $0.contains("[warn]") }.joined(separator: "\n")
        pids.append(try LiveServer.spawnDetached(
            "/usr/sbin/nginx", ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/nginx-error.log"],
            environment: [:], log: directory + "/nginx.stderr"))
    }

    /// Caddy on its own port, as `nobody` when the tests run as root: the worker's socket and
    /// its directory are opened to it for that (mode 0666 is the worker's `--socket-mode`).
    private func startCaddy(socket: String, projectID: Int) throws {
        let storage = directory + "/caddy"
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let config = try Self.caddyfile(socket: socket, port: port, upstream: upstreamPort, projectID: projectID)
        try config.write(toFile: directory + "/Caddyfile", atomically: false, encoding: .utf8)
        var user: [String] = []
        if getuid() == 0 {
            chown(storage, 65534, 65534)
            for path in [directory, (directory as NSString).deletingLastPathComponent] { chmod(path, 0o711) }
            chmod(directory + "/Caddyfile", 0o644)
            user = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        }
        func command(_ verb: String) -> [String] {
            user + [Self.caddy, verb, "--config", directory + "/Caddyfile", "--adapter", "caddyfile"]
        }
        let environment = ["HOME": storage, "XDG_CONFIG_HOME": storage, "XDG_DATA_HOME": storage, "PATH": "/usr/bin:/bin"]
        let validate = command("validate")
        let check = try LiveServer.run(validate[0], Array(validate.dropFirst()), environment: environment)
        guard check.status == 0 else { throw HarnessError("caddy validate refused the configuration: \(check.stdout) \(check.stderr)") }
        let run = command("run")
        pids.append(try LiveServer.spawnDetached(run[0], Array(run.dropFirst()), environment: environment, log: directory + "/caddy.log"))
    }

    /// Waits up to 10 s for the front to answer on its port.
    private func waitUntilAnswering() throws {
        for _ in 0..<200 {
            if let response = try? get("/repo/ready"), response.status != 0 { return }
            usleep(50_000)
        }
        throw HarnessError("the gated server did not answer within 10 s; see \(directory)")
    }

    /// A GET through the gated server with curl, with `headers` (and Basic credentials); the
    /// path goes out exactly as given, dot-segments included.
    func get(_ path: String, headers: [String: String] = [:], basic: (user: String, password: String)? = nil) throws -> LiveServer.Response {
        var args = ["-s", "-i", "--max-time", "10", "--path-as-is"]
        for (name, value) in headers { args += ["-H", "\(name): \(value)"] }
        if let basic { args += ["-u", "\(basic.user):\(basic.password)"] }
        args.append("http://127.0.0.1:\(port)\(path)")
        let result = try LiveServer.run("/usr/bin/curl", args)
        guard result.status == 0 else { throw HarnessError("curl exited \(result.status)") }
        return LiveServer.parse(result.stdout)
    }

    /// Everything the front and the guarded service logged.
    var log: String {
        ["nginx-error.log", "nginx.stderr", "caddy.log", "echo.log"].compactMap { try? String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
            .joined(separator: "\n")
    }
}
