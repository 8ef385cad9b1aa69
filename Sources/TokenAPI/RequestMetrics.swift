import HTTPTypes
import Synchronization

/// Prometheus counters of one worker process: requests by method, route template and status,
/// a latency histogram by method and route, and store write failures. Thread-safe; shared by
/// every accept thread through ``APIEnvironment``.
public final class RequestMetrics: Sendable {
    /// GitLab's `http_request_duration_seconds` buckets.
    public static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct RouteKey: Hashable, Comparable {
        var method: String
        var route: String
        static func < (l: Self, r: Self) -> Bool { (l.route, l.method) < (r.route, r.method) }
    }

    struct CountKey: Hashable, Comparable {
        var route: RouteKey
        var status: Int
        static func < (l: Self, r: Self) -> Bool { (l.route, l.status) < (r.route, r.status) }
    }

    struct Histogram {
        var bucketCounts = [Int](repeating: 0, count: RequestMetrics.buckets.count)
        var sum = 0.0
        var count = 0

        mutating func observe(_ seconds: Double) {
            for (index, bound) in RequestMetrics.buckets.enumerated() where seconds <= bound { bucketCounts[index] += 1 }
            sum += seconds
            count += 1
        }
    }

    struct Counters {
        var requests: [CountKey: Int] = [:]
        var latency: [RouteKey: Histogram] = [:]
        var writeFailures = 0
    }

    private let counters = Mutex(Counters())

    public init() {}

    /// The methods counted by name; any other (anyone may send `FOO /`) counts as `other`, so
    /// the number of label sets is bounded by the route table, whatever clients send.
    public static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// A client's method as a bounded label: itself when known, else `other`.
    public static func methodLabel(_ method: String) -> String {
        knownMethods.contains(method) ? method : "other"
    }

    /// Counts one answered request and its duration. `route` must come from the route table
    /// (a template, `-` or `/-/*`), never from the client.
    public func record(method: String, route: String, status: Int, seconds: Double) {
        let key = RouteKey(method: Self.methodLabel(method), route: route)
        counters.withLock { storage in
            storage.requests[CountKey(route: key, status: status), default: 0] += 1
            // In place: a copy out of the dictionary would copy the bucket array on every request.
            storage.latency[key, default: Histogram()].observe(seconds)
        }
    }

    /// Counts a write the store refused (full, read-only, busy, failed).
    public func recordWriteFailure() {
        counters.withLock { $0.writeFailures += 1 }
    }

    /// The Prometheus text exposition (format 0.0.4) of these counters and the store's gauges.
    public func render(store: [(name: String, help: String, value: Int)]) -> String {
        let snapshot = counters.withLock { $0 }
        var out = ""
        out += "# HELP tokend_http_requests_total Requests answered, by method, route template and status.\n"
        out += "# TYPE tokend_http_requests_total counter\n"
        for (key, value) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            out += "tokend_http_requests_total{\(Self.labels(key.route)),status=\"\(key.status)\"} \(value)\n"
        }
        out += "# HELP tokend_http_request_duration_seconds Time to answer a request, by method and route template.\n"
        out += "# TYPE tokend_http_request_duration_seconds histogram\n"
        for (key, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            let labels = Self.labels(key)
            for (index, bound) in Self.buckets.enumerated() {
                out += "tokend_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(histogram.bucketCounts[index])\n"
            }
            out += "tokend_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "tokend_http_request_duration_seconds_sum{\(labels)} \(histogram.sum)\n"
            out += "tokend_http_request_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }
        out += "# HELP tokend_store_write_failures_total Writes the store refused (full, read-only, busy, failed).\n"
        out += "# TYPE tokend_store_write_failures_total counter\n"
        out += "tokend_store_write_failures_total \(snapshot.writeFailures)\n"
        for gauge in store {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(gauge.value)\n"
        }
        return out
    }

    private static func labels(_ key: RouteKey) -> String {
        "method=\"\(escape(key.method))\",route=\"\(escape(key.route))\""
    }

    /// Label values escape `\`, `"` and newlines.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
