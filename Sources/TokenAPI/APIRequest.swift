/// One HTTP request as the transport hands it over: copied out of the transport's buffers,
/// so handlers never touch libfcgi memory.
public struct APIRequest: Sendable {
    /// Upper-case method (`GET`, `HEAD`, …).
    public var method: String
    /// The raw request target, path and query, still percent-encoded (CGI `REQUEST_URI`):
    /// `group%2Fproject` arrives intact.
    public var target: String
    /// Header fields by lower-case name with `-` (`private-token`, `authorization`, `sudo`).
    public var headers: [String: String]
    public var body: [UInt8]
    /// The client address (`REMOTE_ADDR`).
    public var remoteAddress: String?
    /// `scheme://host[:port]` of this server as the web server is configured (never the
    /// client's `Host`); used for links and bot e-mail addresses when no external URL is set.
    public var origin: String?

    public init(
        method: String, target: String, headers: [String: String] = [:], body: [UInt8] = [],
        remoteAddress: String? = nil, origin: String? = nil
    ) {
        self.method = method.uppercased()
        self.target = target
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.origin = origin
    }

    /// The path part of the target (before `?`), still encoded.
    public var rawPath: Substring {
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) { return target[..<q] }
        return target[...]
    }

    /// The query part of the target (after `?`), still encoded.
    public var rawQuery: Substring {
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) { return target[target.utf8.index(after: q)...] }
        return ""
    }

    public var contentType: String? { headers["content-type"] }

    /// Maps a CGI/FastCGI parameter name (`HTTP_PRIVATE_TOKEN`) to a header name (`private-token`).
    public static func headerName(fromCGI name: Substring) -> String {
        String(name.lowercased().map { $0 == "_" ? "-" : $0 })
    }
}
