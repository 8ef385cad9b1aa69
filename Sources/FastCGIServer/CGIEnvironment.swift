#if canImport(Glibc)
import Glibc
#endif
import TokenAPI

/// Turns CGI/FastCGI parameters (`NAME=value` pairs) into an ``APIRequest``.
///
/// The path comes from the raw `REQUEST_URI` (so `%2F` survives), headers from `HTTP_*`
/// (the first of duplicates wins, as `FCGX_GetParam` does).
public struct CGIEnvironment {
    public var variables: [String: String] = [:]

    public init() {}

    public init(pairs: some Sequence<(String, String)>) {
        for (name, value) in pairs where variables[name] == nil { variables[name] = value }
    }

    /// Adds one `NAME=value` entry; later duplicates are ignored.
    public mutating func add(entry: UnsafePointer<CChar>) {
        // Split at the first '=' on bytes: a Character scan here cost ~8% of a request.
        guard let equals = strchr(entry, 61) else { return }
        let nameLength = entry.distance(to: UnsafePointer(equals))
        let name = entry.withMemoryRebound(to: UInt8.self, capacity: nameLength) {
            String(decoding: UnsafeBufferPointer(start: $0, count: nameLength), as: UTF8.self)
        }
        if variables[name] == nil { variables[name] = String(cString: equals + 1) }
    }

    public var contentLength: Int { variables["CONTENT_LENGTH"].flatMap { Int($0) } ?? 0 }

    public func request(body: [UInt8]) -> APIRequest {
        var headers: [String: String] = [:]
        for (name, value) in variables where name.hasPrefix("HTTP_") {
            headers[APIRequest.headerName(fromCGI: name.dropFirst(5))] = value
        }
        if let type = variables["CONTENT_TYPE"], !type.isEmpty { headers["content-type"] = type }
        let target: String
        if let uri = variables["REQUEST_URI"], !uri.isEmpty {
            target = uri
        } else {
            // Plain CGI without REQUEST_URI (some servers): rebuild it from the decoded parts.
            let path = (variables["SCRIPT_NAME"] ?? "") + (variables["PATH_INFO"] ?? "")
            let query = variables["QUERY_STRING"] ?? ""
            target = query.isEmpty ? path : path + "?" + query
        }
        return APIRequest(
            method: variables["REQUEST_METHOD"] ?? "GET", target: target, headers: headers, body: body,
            remoteAddress: variables["REMOTE_ADDR"], origin: origin)
    }

    /// `scheme://host[:port]` as the client reached the server. Debian's stock fastcgi_params
    /// sends `HTTP_HOST=$host` without the port, so a missing port comes from `SERVER_PORT`.
    var origin: String? {
        guard var host = variables["HTTP_HOST"] ?? variables["SERVER_NAME"], !host.isEmpty else { return nil }
        let https = variables["HTTPS"].map { !$0.isEmpty && $0.lowercased() != "off" } ?? false
        let scheme = variables["REQUEST_SCHEME"] ?? (https ? "https" : "http")
        let hasPort = host.hasPrefix("[") ? host.contains("]:") : host.contains(":")
        if !hasPort, let port = variables["SERVER_PORT"], !port.isEmpty,
            !(scheme == "http" && port == "80"), !(scheme == "https" && port == "443")
        {
            host += ":" + port
        }
        return "\(scheme)://\(host)"
    }
}

extension APIResponse {
    /// The CGI response head: `Status:` line, headers, blank line.
    public var cgiHead: [UInt8] {
        var head = "Status: \(status) \(APIResponse.reasonPhrase(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if status != 204 && header("Content-Length") == nil { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }
}
