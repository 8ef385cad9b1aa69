import Foundation
import JSON

#if canImport(Glibc)
import Glibc
#endif

/// A webhook receiver on loopback: a small Python HTTP server that records every POST (its path,
/// whether `X-Gitlab-Token` was there and was the expected one, `X-Gitlab-Event`, the JSON body)
/// and answers 200, or 401 for a wrong token; or, `hanging`, records it and never answers; or,
/// with `redirect`, answers 307 to that URL.
/// Stopped by PID.
final class WebhookReceiver: @unchecked Sendable {
    let process = Process()
    let log: String
    /// `http://127.0.0.1:port/hook`.
    let url: String
    /// `http://127.0.0.1:port`.
    let base: String

    static let script = #"""
        import http.server, json, sys
        import time
        secret, log, portfile, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = self.headers.get("X-Gitlab-Token") == secret
                with open(log, "a") as f:
                    f.write(json.dumps({"token_ok": ok, "token_present": "X-Gitlab-Token" in self.headers,
                                        "path": self.path, "event": self.headers.get("X-Gitlab-Event"),
                                        "body": json.loads(body)}) + "\n")
                if mode == "hang":
                    time.sleep(600)
                if mode.startswith("redirect:"):
                    self.send_response(307)
                    self.send_header("Location", mode[len("redirect:"):])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        with open(portfile + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(portfile + ".tmp", portfile)
        server.serve_forever()
        """#

    init(directory: String, secret: String, hanging: Bool = false, redirect: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let scriptPath = directory + "/receiver.py"
        log = directory + "/received.jsonl"
        let portFile = directory + "/receiver.port"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [scriptPath, secret, log, portFile, hanging ? "hang" : redirect.map { "redirect:" + $0 } ?? "answer"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var port: String?
        for _ in 0..<200 where port == nil {
            port = try? String(contentsOfFile: portFile, encoding: .utf8)
            if port == nil { usleep(25_000) }
        }
        guard let port else { throw HarnessError("the webhook receiver did not start") }
        base = "http://127.0.0.1:\(port)"
        url = base + "/hook"
    }

    func received() throws -> [JSONValue] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    /// SIGKILL by PID (a child of this test process inherits its blocked SIGTERM), then a
    /// bounded wait for the exit.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<250 where process.isRunning { usleep(20_000) }
    }
}
