#if canImport(Glibc)
import Glibc
#endif
import JSON
import TokenCore

/// One JSON line per answered request, in the log's format (`ts`, `level`, `message`, then the
/// fields in order): method, route template, status, duration, user id and request id. Never the
/// query string or a header, so no token can reach it. Written straight into the
/// ``LogSink``'s batch, without a swift-log metadata dictionary per request.
public struct AccessLog: Sendable {
    let sink: LogSink

    public init(sink: LogSink) { self.sink = sink }

    func record(method: String, route: String, status: Int, microseconds: UInt64, userID: Int?, requestID: String) {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.field("ts", Self.now().iso8601)
        w.field("level", "info")
        w.field("message", "request")
        w.field("method", method)
        w.field("route", route)
        w.field("status", status)
        w.key("duration_ms")
        w.raw(String(Double(microseconds) / 1000))
        w.field("request_id", requestID)
        w.field("user_id", userID)
        w.endObject()
        var line = w.bytes
        line.append(0x0A)
        sink.buffered(line)
    }

    static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
