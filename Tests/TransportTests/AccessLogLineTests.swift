#if canImport(Glibc)
import Glibc
#endif
import JSON
import Testing

@testable import FastCGIServer

/// The access line is written from literal runs of keys; it must stay the line that writing
/// each field in turn gives: the same keys, order, quoting and nulls.
struct AccessLogLineTests {
    /// The lines `record` writes for these requests, read back through a pipe.
    func lines(_ record: (AccessLog) -> Void) throws -> [String] {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let sink = LogSink(descriptor: fds[1])
        record(AccessLog(sink: sink))
        sink.flush()
        close(fds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[..<n])
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The line as `JSONWriter.field` after `field` writes it, with `ts` taken from `line`.
    func expected(ts: String, method: String, route: String, status: Int, ms: String, requestID: String, userID: Int?) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.field("ts", ts)
        w.field("level", "info")
        w.field("message", "request")
        w.field("method", method)
        w.field("route", route)
        w.field("status", status)
        w.key("duration_ms")
        w.raw(ms)
        w.field("request_id", requestID)
        w.field("user_id", userID)
        w.endObject()
        return w.string
    }

    @Test func theLineIsTheFieldByFieldLine() throws {
        let written = try lines { log in
            log.record(method: "GET", route: "/personal_access_tokens/self", status: 200, microseconds: 1234, userID: 7, requestID: "0f1e")
            log.record(method: "other", route: "/-/auth/:scopes", status: 401, microseconds: 5, userID: nil, requestID: "a\"b")
        }
        try #require(written.count == 2)
        let ts = written.map { String($0.dropFirst(#"{"ts":""#.count).prefix(24)) }
        #expect(written[0] == expected(ts: ts[0], method: "GET", route: "/personal_access_tokens/self", status: 200, ms: "1.234", requestID: "0f1e", userID: 7))
        #expect(written[1] == expected(ts: ts[1], method: "other", route: "/-/auth/:scopes", status: 401, ms: "0.005", requestID: "a\"b", userID: nil))
        #expect(written[1].contains(#""request_id":"a\"b","user_id":null}"#))
    }
}
