#if canImport(Glibc)
import Glibc
#endif
public import HTTPTypes
public import TokenAPI

/// The `NAME=value` parameters of one CGI or FastCGI request, and the ``APIRequest`` they make.
///
/// One pass over the parameters keeps only what the API reads: the `HTTP_*` headers, copied
/// as bytes into one buffer (``CGIHeaders``: a header becomes a String only when a handler
/// reads it), and a dozen CGI variables (no dictionary of every parameter per request). The
/// path comes from the raw `REQUEST_URI` (so `%2F` survives). The first of duplicates wins, as
/// `FCGX_GetParam` does.
public struct CGIParameters: Sendable {
    /// The CGI variables the API reads, by name.
    enum Variable: String, CaseIterable {
        case requestMethod = "REQUEST_METHOD", requestURI = "REQUEST_URI", contentLength = "CONTENT_LENGTH"
        case contentType = "CONTENT_TYPE", remoteAddress = "REMOTE_ADDR", serverName = "SERVER_NAME"
        case serverPort = "SERVER_PORT", https = "HTTPS", requestScheme = "REQUEST_SCHEME"
        case scriptName = "SCRIPT_NAME", pathInfo = "PATH_INFO", queryString = "QUERY_STRING"
        case remoteUser = "REMOTE_USER"
    }

    private var values: [String?] = Array(repeating: nil, count: Variable.allCases.count)
    /// `HTTP_*` parameters, name without the prefix (`PRIVATE_TOKEN`), in arrival order.
    private var headers = CGIHeaders()

    public init() {}

    public init(pairs: some Sequence<(String, String)>) {
        for (name, value) in pairs { add(name: name[...], value: value) }
    }

    /// Adds one `NAME=value` entry. Names are compared as bytes, and only a kept entry becomes
    /// Strings (measured: a String and a string switch per parameter were 6% of a request).
    public mutating func add(entry: UnsafePointer<CChar>) {
        guard let equals = strchr(entry, 61) else { return }
        let nameLength = entry.distance(to: UnsafePointer(equals))
        entry.withMemoryRebound(to: UInt8.self, capacity: nameLength) { start in
            let name = UnsafeBufferPointer(start: start, count: nameLength)
            // `HTTP_`, byte by byte (the generic starts(with:) was 2% of a request).
            if nameLength >= 5, start[0] == 0x48, start[1] == 0x54, start[2] == 0x54, start[3] == 0x50, start[4] == 0x5F {
                equals.withMemoryRebound(to: UInt8.self, capacity: 1) { value in
                    headers.append(name: UnsafeBufferPointer(rebasing: name[5...]), value: UnsafeBufferPointer(start: value + 1, count: strlen(equals + 1)))
                }
            } else if let index = Self.variableIndex(name), values[index] == nil {
                values[index] = String(cString: equals + 1)
            }
        }
    }

    /// The position of the CGI variable `name` spells in ``Variable/allCases``, if it is one.
    private static func variableIndex(_ name: UnsafeBufferPointer<UInt8>) -> Int? {
        for (index, candidate) in variableNames.enumerated() where candidate.count == name.count {
            if candidate.withUnsafeBufferPointer({ memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }) { return index }
        }
        return nil
    }

    private static let variableNames: [[UInt8]] = Variable.allCases.map { Array($0.rawValue.utf8) }

    private mutating func add(name: Substring, value: String) {
        if name.hasPrefix("HTTP_") {
            headers.append(name: name.dropFirst(5), value: value)
        } else if let variable = Variable(rawValue: String(name)) {
            let index = Variable.allCases.firstIndex(of: variable)!
            if values[index] == nil { values[index] = value }
        }
    }

    subscript(_ variable: Variable) -> String? { values[Variable.allCases.firstIndex(of: variable)!] }

    public var contentLength: Int { self[.contentLength].flatMap { Int($0) } ?? 0 }

    /// The method as sent, when it is one (an HTTP token).
    public var method: HTTPRequest.Method? { HTTPRequest.Method(self[.requestMethod] ?? "GET") }

    /// The request these parameters describe, or GitLab's plain 400 when it cannot be carried
    /// faithfully: a method that is not a token, or a header value with CR, LF or NUL (which
    /// ``HTTPFields`` would quietly turn into spaces, and which must never reach a response).
    public func request(body: [UInt8]) -> Result<APIRequest, HTTPError> { request(body: body, target: target) }

    /// ``request(body:)`` with ``target`` already worked out.
    func request(body: [UInt8], target: String) -> Result<APIRequest, HTTPError> {
        guard let method else { return .failure(.malformed) }
        var headers = self.headers
        if let type = self[.contentType], !type.isEmpty { headers.contentType = type }
        guard headers.valuesAreFaithful else { return .failure(.malformed) }
        // A request target is visible ASCII; HTTPRequest would turn anything else into spaces.
        guard !ByteScan.contains(target, where: { $0 < 0x21 || $0 >= 0x7F }) else { return .failure(.malformed) }
        let isHTTPS = isHTTPS
        var request = APIRequest(
            method: method, target: target, headers: RequestHeaders(cgi: headers), body: body, remoteAddress: self[.remoteAddress],
            server: ServerOrigin(name: self[.serverName], port: self[.serverPort], isHTTPS: isHTTPS))
        request.isHTTPS = isHTTPS
        // A user name is visible text; anything with control bytes is no one.
        request.remoteUser = self[.remoteUser].flatMap { user in
            user.isEmpty || user.utf8.count > 255 || user.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) ? nil : user
        }
        return .success(request)
    }

    /// The raw request target: `REQUEST_URI` (below the script's directory, see
    /// ``belowScriptDirectory(_:scriptName:)``), or for plain CGI without one (some servers),
    /// rebuilt from the decoded parts.
    var target: String {
        if let uri = self[.requestURI], !uri.isEmpty { return Self.belowScriptDirectory(uri, scriptName: self[.scriptName]) }
        let path = (self[.scriptName] ?? "") + (self[.pathInfo] ?? "")
        let query = self[.queryString] ?? ""
        return query.isEmpty ? path : path + "?" + query
    }

    /// A shared host's `.htaccess` in a subdirectory (`/tk/`) hands `/tk/api/v4/user` to the
    /// script `/tk/tokend.fcgi` (`FallbackResource` or a `RewriteRule`): `SCRIPT_NAME` is the
    /// script, which is not what was asked for, and the request is the rest below the script's
    /// directory (`/api/v4/user`). Only then: a script file's name (it has a dot), a target in
    /// that directory that does not name the script, and at least two segments left. A web
    /// server that maps a path to tokend as such (nginx, `SCRIPT_NAME` the decoded path) never
    /// meets all three: the most it could leave is the last segment alone.
    /// Compared as bytes (a target is ASCII, and one that is not is refused whatever this returns).
    static func belowScriptDirectory(_ uri: String, scriptName: String?) -> String {
        guard let script = scriptName?.utf8, let slash = script.lastIndex(of: UInt8(ascii: "/")),
            script[script.index(after: slash)...].contains(UInt8(ascii: "."))
        else { return uri }
        let directory = script[..<slash]
        let target = uri.utf8
        guard !directory.isEmpty, target.starts(with: directory), !target.starts(with: script) else { return uri }
        let rest = target.dropFirst(directory.count)
        guard rest.first == UInt8(ascii: "/"), rest.dropFirst().contains(UInt8(ascii: "/")) else { return uri }
        return String(Substring(rest))
    }

    /// `scheme://host[:port]` of this server as the web server is configured
    /// (``ServerOrigin``).
    var serverOrigin: String { ServerOrigin(name: self[.serverName], port: self[.serverPort], isHTTPS: isHTTPS).origin }

    /// The request came over HTTPS: `REQUEST_SCHEME` when the server sets it, else `HTTPS`
    /// (`on`, or any value but `off`; unset is plain HTTP).
    var isHTTPS: Bool {
        let requested = self[.requestScheme]?.lowercased()
        if requested == "https" || requested == "http" { return requested == "https" }
        return self[.https].map { !$0.isEmpty && $0.lowercased() != "off" } ?? false
    }

}

extension CGIParameters {
    /// Answers one request on `application`: the body is read only when it is within the limit,
    /// and every refusal gets the application's headers and metrics. A target whose answer never
    /// depends on the body (the forward-auth gate, which Caddy asks with the client's body) has
    /// it neither read nor limited; libfcgi discards it.
    /// `requestID` goes into the request (the audit log names it) and the response's `X-Request-Id`.
    public func answer(with application: Application, requestID: String? = nil, readBody: (Int) -> [UInt8]) -> Answer {
        let limit = application.dependencies.maximumBodySize
        let target = self.target
        let readsBody = application.readsBody(target: target)
        guard !readsBody || contentLength <= limit else { return application.refuse(.payloadTooLarge, method: method) }
        switch request(body: readsBody ? readBody(contentLength) : [], target: target) {
        case .success(var request):
            request.requestID = requestID
            return application.answer(request)
        case .failure(let error): return application.refuse(error, method: method)
        }
    }
}

extension APIResponse {
    /// The whole CGI response in one buffer, for one write: the `Status:` line, the headers,
    /// `X-Request-Id`, `Content-Length` when the response has none, a blank line, the body.
    /// `requestID` is the transport's own (hex digits), written as it is.
    public func cgiMessage(requestID: String?) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(256 + body.count)
        // Each string copied from its contiguous UTF-8 (String.utf8 through the generic
        // append(contentsOf:) was most of this function: a gate answer has a dozen lines).
        func append(_ text: String) {
            var text = text
            text.withUTF8 { message.append(contentsOf: $0) }
        }
        func line(_ name: String, _ value: String) {
            append(name)
            message.append(UInt8(ascii: ":"))
            message.append(UInt8(ascii: " "))
            append(value)
            message.append(0x0D)
            message.append(0x0A)
        }
        line("Status", String(status.code) + " " + status.reasonPhrase)
        for field in headerFields { line(field.name.rawName, field.value) }
        if let requestID { line("X-Request-Id", requestID) }
        if status != .noContent && !headerFields.contains(.contentLength) { line("Content-Length", String(body.count)) }
        message.append(0x0D)
        message.append(0x0A)
        message.append(contentsOf: body)
        return message
    }
}
