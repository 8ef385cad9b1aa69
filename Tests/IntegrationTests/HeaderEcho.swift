import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The guarded service behind ``GatedFront``: a small Python HTTP server on loopback that
/// answers every GET with JSON describing exactly what reached it. `uri` is the raw request
/// target, as a service that routes on it sees it; `cgi` holds every header as a CGI, WSGI or
/// PHP service sees it (`HTTP_` and the name upper-cased with `-` read as `_`, so
/// `X_Tokend_User_Id` and `X-Tokend-User-Id` fold into one variable, their values joined with
/// `,`); `user_id`, `username`, `token_id`, `scopes`, `bot`, `bot_project`, `bot_group`,
/// `authorization` and `private_token` are the folded values of those headers, or "".
/// Started and stopped by PID.
final class HeaderEcho: @unchecked Sendable {
    static let python = "/usr/bin/python3"

    /// Why the echo cannot run here, or nil.
    static var unavailable: String? {
        FileManager.default.isExecutableFile(atPath: python) ? nil : "python3 is not installed (the guarded service is a Python stub)"
    }

    static let script = #"""
        import http.server, json, os, sys
        portfile = sys.argv[1]
        FIELDS = ["user_id", "username", "token_id", "scopes", "bot", "bot_project", "bot_group"]
        def folded(name):
            return "HTTP_" + name.upper().replace("-", "_")
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                cgi = {}
                for name, value in self.headers.items():
                    key = folded(name)
                    cgi[key] = cgi[key] + "," + value if key in cgi else value
                answer = {"uri": self.path, "cgi": cgi}
                for field in FIELDS:
                    answer[field] = cgi.get("HTTP_X_TOKEND_" + field.upper(), "")
                answer["authorization"] = cgi.get("HTTP_AUTHORIZATION", "")
                answer["private_token"] = cgi.get("HTTP_PRIVATE_TOKEN", "")
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(portfile + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(portfile + ".tmp", portfile)
        server.serve_forever()
        """#

    let port: Int
    private var pid: pid_t?

    /// Starts the echo; waits up to 5 s for it to listen.
    init(directory: String) throws {
        let scriptPath = directory + "/echo.py"
        let portFile = directory + "/echo.port"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let pid = try LiveServer.spawnDetached(Self.python, [scriptPath, portFile], environment: [:], log: directory + "/echo.log")
        self.pid = pid
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { usleep(25_000) }
        }
        guard let port else {
            _ = LiveServer.terminate(pid)
            throw HarnessError("the header echo did not start; see \(directory)/echo.log")
        }
        self.port = port
    }

    deinit { stop() }

    func stop() {
        if let pid { _ = LiveServer.terminate(pid) }
        pid = nil
    }
}
