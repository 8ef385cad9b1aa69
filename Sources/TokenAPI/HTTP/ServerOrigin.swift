/// This server's origin as the web server is configured: `SERVER_NAME` and `SERVER_PORT`
/// (nginx's `server_name`, Apache's `ServerName`), never the client's `Host` header, which
/// anyone can set. GitLab builds links and bot e-mail addresses from its configured host the
/// same way. Kept as the web server sent it, and made into ``origin`` only when a request
/// reads it (``APIRequest/serverOrigin``).
public struct ServerOrigin: Sendable {
    public var name: String?
    public var port: String?
    public var isHTTPS: Bool

    public init(name: String?, port: String?, isHTTPS: Bool) {
        self.name = name
        self.port = port
        self.isHTTPS = isHTTPS
    }

    /// `scheme://host[:port]`, the port left out when it is the scheme's own. A name that is
    /// not a plain host name or address (nginx's catch-all `_`, or anything with other
    /// characters) becomes `localhost`.
    public var origin: String {
        let scheme = isHTTPS ? "https" : "http"
        var origin = scheme + "://" + Self.hostName(name ?? "")
        if let port, let number = UInt16(port), !(scheme == "http" && number == 80), !(scheme == "https" && number == 443) {
            origin += ":" + String(number)
        }
        return origin
    }

    /// `name` when it is a DNS name or an IPv4 address, `[name]` for an IPv6 address, else
    /// `localhost`.
    public static func hostName(_ name: String) -> String {
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
