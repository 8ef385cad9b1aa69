import JSON
import TokenCore

/// A failure answered with a GitLab-shaped JSON body. Every error a handler throws becomes one
/// of these; anything else becomes a bare 500 with nothing leaked.
public struct HTTPError: Error, Sendable {
    public var status: Int
    public var body: [UInt8]
    public var headers: [(name: String, value: String)]

    /// True when ``headers`` already names the content type (a plain-text body).
    private var plain = false

    public init(status: Int, body: [UInt8], headers: [(name: String, value: String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    private init(status: Int, body: [UInt8], headers: [(name: String, value: String)], plain: Bool) {
        self.init(status: status, body: body, headers: headers)
        self.plain = plain
    }

    /// `{"message":"<text>"}`: GitLab's `render_api_error!` shape.
    public static func message(_ status: Int, _ text: String, headers: [(name: String, value: String)] = []) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.field("message", text)
        w.endObject()
        return HTTPError(status: status, body: w.bytes, headers: headers)
    }

    /// `{"error":"<text>"}`: Grape's shape (routing and parameter validation).
    public static func error(_ status: Int, _ text: String, headers: [(name: String, value: String)] = []) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.field("error", text)
        w.endObject()
        return HTTPError(status: status, body: w.bytes, headers: headers)
    }

    /// A request GitLab refuses before routing (its HandleMalformedStrings middleware and Rack's
    /// limits): invalid UTF-8 or a NUL in the path or a parameter, CR/LF/NUL in a header, more
    /// parameters or deeper JSON than ``RequestLimits`` allow. Plain text, as GitLab sends it.
    public static let malformed = HTTPError(
        status: 400, body: Array("Bad Request".utf8), headers: [("Content-Type", "text/plain")], plain: true)

    /// A request target longer than ``RequestLimits/target``.
    public static let uriTooLong = error(414, "414 URI Too Long")

    public static let payloadTooLarge = message(413, "413 Request Entity Too Large")

    public static let unauthorized = message(401, "401 Unauthorized")
    public static let forbidden = message(403, "403 Forbidden")
    public static let notFound = message(404, "404 Not Found")
    public static let routeNotFound = error(404, "404 Not Found")

    public static func forbidden(_ reason: String) -> HTTPError { message(403, "403 Forbidden - \(reason)") }
    public static func notFound(_ resource: String) -> HTTPError { message(404, "404 \(resource) Not Found") }
    public static func badRequest(_ reason: String? = nil) -> HTTPError {
        message(400, reason.map { "400 Bad request - \($0)" } ?? "400 Bad request")
    }

    /// Wrong method on an existing path (Grape): `{"error":"405 Not Allowed"}` with `Allow`.
    public static func methodNotAllowed(allow: [String]) -> HTTPError {
        error(405, "405 Not Allowed", headers: [("Allow", allow.joined(separator: ", "))])
    }

    /// `{"message":{"field":["msg",…]}}`: GitLab's `render_validation_error!`.
    public static func validation(_ fields: [(String, [String])]) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.key("message")
        w.beginObject()
        for (field, messages) in fields { w.field(field, messages) }
        w.endObject()
        w.endObject()
        return HTTPError(status: 400, body: w.bytes)
    }

    /// ``validation(_:)`` from model errors, grouping the messages of each field in order.
    public static func validation(_ errors: [FieldError]) -> HTTPError {
        var fields: [(String, [String])] = []
        for error in errors {
            if let index = fields.firstIndex(where: { $0.0 == error.field }) {
                fields[index].1.append(error.message)
            } else {
                fields.append((error.field, [error.message]))
            }
        }
        return validation(fields)
    }

    /// The three OAuth-style `invalid_token` answers, with their `WWW-Authenticate` header.
    public static func invalidToken(_ description: String) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.field("error", "invalid_token")
        w.field("error_description", description)
        w.endObject()
        let header = "Bearer realm=\"Protected by OAuth 2.0\", error=\"invalid_token\", error_description=\"\(description)\""
        return HTTPError(status: 401, body: w.bytes, headers: [("WWW-Authenticate", header)])
    }

    public static let tokenExpired = invalidToken("Token is expired. You can either do re-authorization or token refresh.")
    public static let tokenRevoked = invalidToken("Token was revoked. You have to re-authorize from the user.")
    public static let impersonationDisabled = invalidToken("Token is an impersonation token but impersonation was disabled.")

    /// 403 insufficient_scope, naming every scope registered for the endpoint.
    public static func insufficientScope(_ scopes: [String]) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.field("error", "insufficient_scope")
        w.field("error_description", "The request requires higher privileges than provided by the access token.")
        w.field("scope", scopes.joined(separator: " "))
        w.endObject()
        return HTTPError(status: 403, body: w.bytes)
    }

    public var response: APIResponse {
        APIResponse(status: status, headers: (plain ? [] : [("Content-Type", "application/json")]) + headers, body: body)
    }
}
