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
        // The keys and the constant values are written as one literal run each (quoting them
        // at every request was a tenth of the line's cost); the values still go through
        // JSONWriter's quoting. The line is byte for byte what `field` after `field` wrote.
        var w = JSONWriter(capacity: 256)
        w.fragment(#"{"ts":"#)
        w.string(Self.now().iso8601)
        w.fragment(#","level":"info","message":"request","method":"#)
        w.string(method)
        w.fragment(#","route":"#)
        w.string(route)
        w.fragment(#","status":"#)
        w.int(status)
        w.fragment(#","duration_ms":"#)
        w.raw(String(Double(microseconds) / 1000))
        w.fragment(#","request_id":"#)
        w.string(requestID)
        w.fragment(#","user_id":"#)
        if let userID { w.int(userID) } else { w.null() }
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
