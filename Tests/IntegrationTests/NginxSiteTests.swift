import Foundation
import JSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Whether ``NginxSiteTests`` can run here.
private let debianNginxSiteTestRuns: Bool =
    getuid() == 0 && FileManager.default.fileExists(atPath: NginxSiteTests.debianDefaultSite)
    && ["/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/openssl", "/usr/sbin/nginx"].allSatisfy {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    && ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"].contains { FileManager.default.isExecutableFile(atPath: $0) }

/// The shipped nginx/tokend.conf and nginx/tokend-tls.conf as a Debian administrator installs
/// them: in conf.d, beside Debian's default site (`listen 80 default_server`, `server_name _`),
/// under an nginx.conf shaped like Debian's, on the real ports 80 and 443. So that binding port
/// 80 and 443 on every address stays private, nginx and curl run in a network namespace of their
/// own (`unshare --net`: only its loopback exists); the worker is an ordinary process on a unix
/// socket, which the namespace does not separate.
@Suite(
    .timeLimit(.minutes(20)),
    .enabled(if: debianNginxSiteTestRuns, "needs root, unshare, nsenter, ip, openssl and Debian's nginx default site"))
struct NginxSiteTests {
    static let debianDefaultSite = "/etc/nginx/sites-available/default"

    /// A shipped file from nginx/, with its paths moved into `prefix` and the worker's socket.
    static func shipped(_ name: String, prefix: String, socket: String) throws -> String {
        try String(contentsOfFile: LiveServer.packageRoot + "/nginx/" + name, encoding: .utf8)
            .replacingOccurrences(of: "unix:/run/tokend/fcgi.sock", with: "unix:" + socket)
            .replacingOccurrences(of: "/var/log/nginx/", with: prefix + "/log/")
            .replacingOccurrences(of: "/etc/ssl/certs/ssl-cert-snakeoil.pem", with: prefix + "/tls.pem")
            .replacingOccurrences(of: "/etc/ssl/private/ssl-cert-snakeoil.key", with: prefix + "/tls.key")
    }

    @Test func shippedConfigsServeBesideDebiansDefaultSite() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken()
        let prefix = server.directory + "/debian-nginx"
        for directory in ["conf.d", "sites-enabled", "log", "tmp"] {
            try FileManager.default.createDirectory(atPath: prefix + "/" + directory, withIntermediateDirectories: true)
        }
        // What Debian's /etc/nginx holds, by reference or as copies.
        for file in ["fastcgi_params", "mime.types"] {
            try FileManager.default.createSymbolicLink(atPath: prefix + "/" + file, withDestinationPath: "/etc/nginx/" + file)
        }
        try FileManager.default.copyItem(atPath: Self.debianDefaultSite, toPath: prefix + "/sites-enabled/default")
        try Self.shipped("tokend.conf", prefix: prefix, socket: server.socket)
            .write(toFile: prefix + "/conf.d/tokend.conf", atomically: false, encoding: .utf8)
        try Self.shipped("tokend-tls.conf", prefix: prefix, socket: server.socket)
            .write(toFile: prefix + "/conf.d/tokend-tls.conf", atomically: false, encoding: .utf8)
        let certificate = try LiveServer.run(
            "/usr/bin/openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=tokens.example.com",
             "-addext", "subjectAltName=DNS:tokens.example.com", "-keyout", prefix + "/tls.key", "-out", prefix + "/tls.pem"])
        #expect(certificate.status == 0, "\(certificate.stderr)")
        // Debian's nginx.conf, reduced to what matters here: conf.d, then sites-enabled.
        let temp = ["client_body", "fastcgi", "proxy", "scgi", "uwsgi"].map { "    \($0)_temp_path \(prefix)/tmp/\($0);" }
        let main = [
            "user root root;", "worker_processes 1;", "daemon off;", "pid \(prefix)/nginx.pid;", "error_log \(prefix)/error.log;",
            "events { worker_connections 64; }", "http {", "    include mime.types;", "    default_type application/octet-stream;",
            "    access_log \(prefix)/log/access.log;",
        ] + temp + ["    include \(prefix)/conf.d/*.conf;", "    include \(prefix)/sites-enabled/*;", "}", ""]
        try main.joined(separator: "\n").write(toFile: prefix + "/nginx.conf", atomically: false, encoding: .utf8)

        let check = try LiveServer.run("/usr/sbin/nginx", ["-t", "-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(!check.stderr.contains("conflicting server name"), "\(check.stderr)")

        let nginx = try LiveServer.spawnDetached(
            "/usr/bin/unshare",
            ["--net", "/bin/sh", "-c", "ip link set lo up && exec /usr/sbin/nginx -p '\(prefix)' -c '\(prefix)/nginx.conf' -e '\(prefix)/error.log'"],
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], log: prefix + "/stderr.log")
        defer {
            kill(nginx, SIGQUIT)
            if LiveServer.terminate(nginx, seconds: 5) == nil { Issue.record("nginx did not stop on SIGQUIT") }
        }
        // curl inside nginx's namespace; the namespace has 127.0.0.0/8 on its loopback only.
        func curl(_ arguments: [String]) throws -> LiveServer.Response {
            let result = try LiveServer.run(
                "/usr/bin/nsenter", ["--net=/proc/\(nginx)/ns/net", "--", "/usr/bin/curl", "-s", "-i", "--max-time", "10"] + arguments)
            return LiveServer.parse(result.stdout)
        }
        for _ in 0..<200 {
            if try curl(["http://127.0.0.1/-/health"]).status != 0 { break }
            usleep(50_000)
        }

        // 127.0.0.1:80 is tokend's, whatever the Host header says.
        let user = try curl(["-H", "PRIVATE-TOKEN: \(token)", "http://127.0.0.1/api/v4/user"])
        #expect(user.status == 200, "\(user.body)")
        #expect(user.json?["username"]?.stringValue == "root")
        let anyName = try curl(["-H", "Host: example.org", "-H", "PRIVATE-TOKEN: \(token)", "http://127.0.0.1/api/v4/user"])
        #expect(anyName.status == 200)
        let unknownRoute = try curl(["http://127.0.0.1/api/v4/nothing-here"])
        #expect(unknownRoute.status == 404)
        #expect(unknownRoute.body == #"{"error":"404 Not Found"}"#, "GitLab's 404, not the default site's HTML")
        #expect(try curl(["http://127.0.0.1/-/health"]).body == "GitLab OK")

        // Any other address on port 80 is still the default site's.
        let elsewhere = try curl(["http://127.0.0.2/api/v4/user"])
        #expect(elsewhere.status == 404)
        #expect(elsewhere.body.contains("<html>"), "\(elsewhere.body)")

        // HTTPS with the server's name reaches tokend, certificate verified.
        let tls = try curl([
            "--cacert", prefix + "/tls.pem", "--resolve", "tokens.example.com:443:127.0.0.2", "-H", "PRIVATE-TOKEN: \(token)",
            "https://tokens.example.com/api/v4/user",
        ])
        #expect(tls.status == 200, "\(tls.body)")
        #expect(tls.json?["username"]?.stringValue == "root")

        let log = (try? String(contentsOfFile: prefix + "/log/tokend.access.log", encoding: .utf8)) ?? ""
        #expect(log.contains("GET /api/v4/user"))
        #expect(!log.contains(token))
    }
}
