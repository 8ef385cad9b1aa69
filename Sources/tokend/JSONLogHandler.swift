#if canImport(Glibc)
import Glibc
#endif
import FastCGIServer
import JSON
import Logging
import TokenCore

/// Writes each log event as one JSON line on stderr:
/// `{"level":"info","message":"request","method":"GET","route":"/user","status":200,…,"ts":"…"}`.
/// Callers never pass token values or `Authorization` headers as metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let clock = Clock.system
    /// Where the lines go, at once (request lines are batched by the transport's access log).
    let sink: LogSink

    init(label: String, sink: LogSink) {
        self.label = label
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = self.metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var w = JSONWriter()
        w.beginObject()
        w.field("ts", clock.now().iso8601)
        w.field("level", event.level.rawValue)
        w.field("message", event.message.description)
        for key in fields.keys.sorted() {
            w.key(key)
            switch fields[key]! {
            case .string(let s):
                if let n = Int(s), String(n) == s { w.int(n) } else { w.string(s) }
            case .stringConvertible(let c): w.string(c.description)
            default: w.string(fields[key]!.description)
            }
        }
        w.endObject()
        var line = w.bytes
        line.append(0x0A)
        sink.immediate(line)
    }
}
