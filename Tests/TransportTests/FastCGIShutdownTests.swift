#if canImport(Glibc)
import Glibc
#endif
import FastCGIServer
import Logging
import Testing
import TokenAPI
import TokenCore

/// The FastCGI server as a service, in process: started on a unix socket, it answers a request;
/// stopped, it wakes its idle accept threads and joins them, and returns. libfcgi's shutdown
/// flag is for the whole process, so this is the only test that starts a FastCGI server.
struct FastCGIShutdownTests {
    @Test(.timeLimit(.minutes(20))) func answersThenStopsAndJoinsItsAcceptThreads() throws {
        let path = "/tmp/tokend-transport-\(getpid()).sock"
        unlink(path)
        defer { unlink(path) }
        let fd = try ListenSocket.unix(path: path, mode: 0o600).open()
        defer { close(fd) }
        let application = Application(dependencies: APIDependencies(
            repository: InMemoryRepository(), secret: TokenSecret(bytes: Array(repeating: 7, count: 32)),
            clock: .constant(Timestamp(millisecondsSinceEpoch: 0))))
        let server = FastCGIServer(listenFD: fd, threads: 3, application: application, logger: Logger(label: "test"), accessLog: nil)
        server.start()
        #expect(server.isRunning)

        let response = try FastCGIClient.get(path, "/-/liveness", remoteAddress: "127.0.0.1")
        #expect(response.hasPrefix("Status: 200 OK\r\n"))
        #expect(response.contains("X-Request-Id: "))
        #expect(response.hasSuffix(#"{"status":"ok"}"#))

        server.shutdown()
        #expect(!server.isRunning)
        server.shutdown()  // a second stop does nothing
    }
}

/// Just enough of a FastCGI client for one GET (FastCGI 1.0: BEGIN_REQUEST, PARAMS, STDIN,
/// then STDOUT records until END_REQUEST).
enum FastCGIClient {
    struct Failure: Error { var what: String }

    static func get(_ socketPath: String, _ uri: String, remoteAddress: String) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in socketPath.utf8.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw Failure(what: "connect") }
        var params: [UInt8] = []
        for (name, value) in [
            ("REQUEST_METHOD", "GET"), ("REQUEST_URI", uri), ("SCRIPT_NAME", uri), ("REMOTE_ADDR", remoteAddress),
            ("SERVER_NAME", "localhost"), ("SERVER_PORT", "80"),
        ] {
            params += [UInt8(name.utf8.count), UInt8(value.utf8.count)] + Array(name.utf8) + Array(value.utf8)
        }
        var out = record(1, [0, 1, 0, 0, 0, 0, 0, 0])  // BEGIN_REQUEST: responder, no keep-alive
        out += record(4, params) + record(4, []) + record(5, [])
        guard out.withUnsafeBytes({ send(fd, $0.baseAddress!, out.count, 0) }) == out.count else { throw Failure(what: "send") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, 8192, 0) }
            if n <= 0 { break }
            received += buffer[..<n]
        }
        var stdout: [UInt8] = []
        var at = 0
        while at + 8 <= received.count {
            let type = received[at + 1]
            let length = Int(received[at + 4]) << 8 | Int(received[at + 5])
            let padding = Int(received[at + 6])
            guard at + 8 + length <= received.count else { break }
            if type == 6 { stdout += received[(at + 8)..<(at + 8 + length)] }
            if type == 3 { break }
            at += 8 + length + padding
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    private static func record(_ type: UInt8, _ content: [UInt8]) -> [UInt8] {
        [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xFF), 0, 0] + content
    }
}
