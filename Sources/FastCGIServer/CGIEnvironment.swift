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

    /// `scheme://host[:port]` of this server as the web server is configured: `SERVER_NAME`
    /// and `SERVER_PORT` (nginx's `server_name`, Apache's `ServerName`), never the client's
    /// `Host` header, which anyone can set. GitLab builds links and bot e-mail addresses from
    /// its configured host the same way. A name that is not a plain host name or address
    /// (nginx's catch-all `_`, or anything with other characters) becomes `localhost`.
    var origin: String? {
        let https = variables["HTTPS"].map { !$0.isEmpty && $0.lowercased() != "off" } ?? false
        let requested = variables["REQUEST_SCHEME"]?.lowercased()
        let scheme = requested == "https" || requested == "http" ? requested! : (https ? "https" : "http")
        var origin = scheme + "://" + Self.hostName(variables["SERVER_NAME"] ?? "")
        if let port = variables["SERVER_PORT"], let number = UInt16(port),
            !(scheme == "http" && number == 80), !(scheme == "https" && number == 443)
        {
            origin += ":" + String(number)
        }
        return origin
    }

    /// `name` when it is a DNS name or an IPv4 address, `[name]` for an IPv6 address, else
    /// `localhost`.
    static func hostName(_ name: String) -> String {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= 253 else { return "localhost" }
        let isDNS = bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
                return true
            default: return false
            }
        }
        if isDNS, bytes.first != UInt8(ascii: "-"), bytes.first != UInt8(ascii: ".") { return name }
        let isIPv6 = bytes.contains(UInt8(ascii: ":")) && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ":"), UInt8(ascii: "."):
                return true
            default: return false
            }
        }
        return isIPv6 ? "[" + name + "]" : "localhost"
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
