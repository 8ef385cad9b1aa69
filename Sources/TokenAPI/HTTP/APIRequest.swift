public import HTTPTypes

/// One HTTP request as a transport hands it over: the method, the raw target, the header
/// fields (read by name: ``RequestHeaders``), the body bytes copied out of the transport's
/// buffers, and what the web server says about the connection.
///
/// The transport has already refused what cannot be represented faithfully (a method that is
/// not a token, a header value with CR, LF or NUL, a target with control bytes): ``HTTPFields``
/// would quietly turn such bytes into spaces.
public struct APIRequest: Sendable {
    public var method: HTTPRequest.Method
    /// The header fields, looked up by name.
    public var headers: RequestHeaders
    /// Method, raw target (still percent-encoded, so `group%2Fproject` arrives intact) and
    /// header fields as a swift-http-types head, made when asked for (nothing on a request's
    /// path asks: it reads ``method``, ``target`` and ``headers``).
    public var head: HTTPRequest {
        get { HTTPRequest(method: method, scheme: nil, authority: nil, path: target, headerFields: headers.fields) }
        set {
            method = newValue.method
            headers = RequestHeaders(newValue.headerFields)
            (target, rawPath, rawQuery) = Self.split(newValue.path ?? "/")
        }
    }
    public var body: [UInt8]
    /// The client address (`REMOTE_ADDR`).
    public var remoteAddress: String?
    /// `scheme://host[:port]` of this server as the web server is configured (never the
    /// client's `Host`); used for links and bot e-mail addresses when no external URL is set.
    public var serverOrigin: String? {
        get {
            switch origin {
            case .given(let origin): origin
            case .server(let server): server.origin
            }
        }
        set { origin = .given(newValue) }
    }
    private var origin: Origin
    /// The id the transport gave this request (`X-Request-Id`), for the audit log.
    public var requestID: String?
    /// The request reached the web server over HTTPS (CGI `HTTPS=on`, or `REQUEST_SCHEME=https`):
    /// a session cookie is then `Secure`.
    public var isHTTPS = false
    /// `REMOTE_USER`: the user the web server authenticated (its auth module), if any. Only the
    /// web server's sign-in reads it, and only when the operator turned it on.
    public var remoteUser: String?

    /// Where ``serverOrigin`` comes from: set as a whole, or worked out from the web server's
    /// name and port when first read (most requests never read it).
    private enum Origin: Sendable {
        case given(String?)
        case server(ServerOrigin)
    }

    public init(
        head: HTTPRequest, body: [UInt8] = [], remoteAddress: String? = nil, serverOrigin: String? = nil, requestID: String? = nil
    ) {
        self.init(
            method: head.method, target: head.path ?? "/", headers: RequestHeaders(head.headerFields), body: body,
            remoteAddress: remoteAddress, origin: .given(serverOrigin), requestID: requestID)
    }

    public init(
        method: HTTPRequest.Method, target: String, headerFields: HTTPFields = [:], body: [UInt8] = [],
        remoteAddress: String? = nil, serverOrigin: String? = nil, requestID: String? = nil
    ) {
        self.init(
            head: HTTPRequest(method: method, scheme: nil, authority: nil, path: target, headerFields: headerFields),
            body: body, remoteAddress: remoteAddress, serverOrigin: serverOrigin, requestID: requestID)
    }

    /// A transport's request: `target` is visible ASCII (what ``HTTPRequest`` would carry
    /// unchanged), `headers` the web server's, `server` the origin it is configured with.
    public init(
        method: HTTPRequest.Method, target: String, headers: RequestHeaders, body: [UInt8], remoteAddress: String?, server: ServerOrigin
    ) {
        self.init(method: method, target: target, headers: headers, body: body, remoteAddress: remoteAddress, origin: .server(server), requestID: nil)
    }

    private init(
        method: HTTPRequest.Method, target: String, headers: RequestHeaders, body: [UInt8], remoteAddress: String?, origin: Origin,
        requestID: String?
    ) {
        self.method = method
        self.headers = headers
        (self.target, rawPath, rawQuery) = Self.split(target)
        self.body = body
        self.remoteAddress = remoteAddress
        self.origin = origin
        self.requestID = requestID
    }

    /// The raw request target, path and query.
    public private(set) var target: String
    /// The path part of the target (before `?`), still encoded.
    public private(set) var rawPath: Substring
    /// The query part of the target (after `?`), still encoded.
    public private(set) var rawQuery: Substring

    /// Target, path and query, worked out once per request: several steps of the request
    /// path read them.
    private static func split(_ target: String) -> (target: String, path: Substring, query: Substring) {
        guard let q = ByteScan.firstIndex(of: UInt8(ascii: "?"), in: target) else { return (target, target[...], "") }
        return (target, target[..<q], target[target.utf8.index(after: q)...])
    }
}

extension HTTPField.Name {
    /// GitLab's token header.
    public static let privateToken = HTTPField.Name("PRIVATE-TOKEN")!
    /// GitLab's sudo header.
    public static let sudo = HTTPField.Name("Sudo")!
    public static let requestID = HTTPField.Name("X-Request-Id")!
    public static let total = HTTPField.Name("X-Total")!
    public static let totalPages = HTTPField.Name("X-Total-Pages")!
    public static let page = HTTPField.Name("X-Page")!
    public static let perPage = HTTPField.Name("X-Per-Page")!
    public static let nextPage = HTTPField.Name("X-Next-Page")!
    public static let previousPage = HTTPField.Name("X-Prev-Page")!
    public static let frameOptions = HTTPField.Name("X-Frame-Options")!
    public static let link = HTTPField.Name("Link")!
}
