public import HTTPTypes
import JSON
public import TokenCore

/// An error that carries its own HTTP answer. ``HTTPError`` is the implementation; domain
/// errors do not conform (the domain knows no HTTP) and get theirs from ``ErrorMapping``.
public protocol HTTPResponseError: Error, Sendable {
    var response: APIResponse { get }
}

/// A failure answered with a GitLab-shaped body. Handlers throw these for HTTP-level decisions
/// (a route's 404, Grape's parameter errors); domain errors are thrown as they are and mapped
/// in one place.
public struct HTTPError: HTTPResponseError, Equatable {
    public var status: HTTPResponse.Status
    public var headerFields: HTTPFields
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8]) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    /// A JSON body with GitLab's content type, then `headerFields`.
    static func json(_ status: HTTPResponse.Status, _ writer: JSONWriter, headerFields: HTTPFields = [:]) -> HTTPError {
        var fields: HTTPFields = [.contentType: "application/json"]
        fields.append(contentsOf: headerFields)
        return HTTPError(status: status, headerFields: fields, body: writer.bytes)
    }

    public var response: APIResponse { APIResponse(status: status, headerFields: headerFields, body: body) }

    // MARK: GitLab's shapes

    /// `{"message":"<text>"}`: GitLab's `render_api_error!` shape.
    public static func message(_ status: HTTPResponse.Status, _ text: String, headerFields: HTTPFields = [:]) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.field("message", text)
        w.endObject()
        return json(status, w, headerFields: headerFields)
    }

    /// `{"message":{"error":"<text>"}}`: `render_api_error!` given a hash, as GitLab's Token
    /// information API answers a token it cannot find.
    public static func messageObject(_ status: HTTPResponse.Status, error text: String) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.key("message")
        w.beginObject()
        w.field("error", text)
        w.endObject()
        w.endObject()
        return json(status, w)
    }

    /// `{"error":"<text>"}`: Grape's shape (routing and parameter validation).
    public static func error(_ status: HTTPResponse.Status, _ text: String, headerFields: HTTPFields = [:]) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.field("error", text)
        w.endObject()
        return json(status, w, headerFields: headerFields)
    }

    /// `{"message":{"field":["msg",…]}}`: GitLab's `render_validation_error!`, each field's
    /// messages grouped in the order found.
    public static func validation(_ errors: [FieldError]) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.key("message")
        w.beginObject()
        for (field, messages) in FieldError.grouped(errors) { w.field(field, messages) }
        w.endObject()
        w.endObject()
        return json(.badRequest, w)
    }

    /// A request GitLab refuses before routing (its HandleMalformedStrings middleware and Rack's
    /// limits): invalid UTF-8 or a NUL in the path or a parameter, CR/LF/NUL in a header, more
    /// parameters or deeper JSON than ``RequestLimits`` allow. Plain text, as GitLab sends it.
    public static let malformed = HTTPError(status: .badRequest, headerFields: [.contentType: "text/plain"], body: Array("Bad Request".utf8))

    /// A request target longer than ``RequestLimits/target``.
    public static let uriTooLong = error(.uriTooLong, "414 URI Too Long")
    /// A body over the size limit (the transports answer it before reading the body).
    public static let payloadTooLarge = message(.contentTooLarge, "413 Request Entity Too Large")

    public static let unauthorized = message(.unauthorized, "401 Unauthorized")
    public static let forbidden = message(.forbidden, "403 Forbidden")
    public static let notFound = message(.notFound, "404 Not Found")
    /// `{"message":"404 Not found"}` (lower-case f): ActiveRecord's RecordNotFound, as GitLab
    /// renders a missing member.
    public static let recordNotFound = message(.notFound, "404 Not found")
    public static let routeNotFound = error(.notFound, "404 Not Found")
    public static let internalError = message(.internalServerError, "500 Internal Server Error")

    public static func forbidden(_ reason: String) -> HTTPError { message(.forbidden, "403 Forbidden - \(reason)") }
    public static func notFound(_ resource: String) -> HTTPError { message(.notFound, "404 \(resource) Not Found") }
    public static func badRequest(_ reason: String? = nil) -> HTTPError {
        message(.badRequest, reason.map { "400 Bad request - \($0)" } ?? "400 Bad request")
    }

    /// Wrong method on an existing path (Grape): `{"error":"405 Not Allowed"}` with `Allow`.
    public static func methodNotAllowed(allow: [HTTPRequest.Method]) -> HTTPError {
        error(.methodNotAllowed, "405 Not Allowed", headerFields: [.allow: allow.map(\.rawValue).joined(separator: ", ")])
    }

    /// The three OAuth-style `invalid_token` answers, with their `WWW-Authenticate` header.
    public static func invalidToken(_ description: String) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.field("error", "invalid_token")
        w.field("error_description", description)
        w.endObject()
        let challenge = "Bearer realm=\"Protected by OAuth 2.0\", error=\"invalid_token\", error_description=\"\(description)\""
        return json(.unauthorized, w, headerFields: [.wwwAuthenticate: challenge])
    }

    public static let tokenExpired = invalidToken("Token is expired. You can either do re-authorization or token refresh.")
    public static let tokenRevoked = invalidToken("Token was revoked. You have to re-authorize from the user.")
    public static let impersonationDisabled = invalidToken("Token is an impersonation token but impersonation was disabled.")

    /// 403 insufficient_scope, naming every scope registered for the endpoint.
    public static func insufficientScope(_ scopes: [Scope]) -> HTTPError {
        var w = JSONWriter()
        w.beginObject()
        w.field("error", "insufficient_scope")
        w.field("error_description", "The request requires higher privileges than provided by the access token.")
        w.field("scope", scopes.map(\.rawValue).joined(separator: " "))
        w.endObject()
        return json(.forbidden, w)
    }

    public static func == (l: HTTPError, r: HTTPError) -> Bool {
        l.status == r.status && l.headerFields == r.headerFields && l.body == r.body
    }
}

extension FieldError {
    /// Errors grouped by field, fields in order of first appearance (ActiveModel's `errors`).
    public static func grouped(_ errors: [FieldError]) -> [(field: String, messages: [String])] {
        var fields: [(field: String, messages: [String])] = []
        for error in errors {
            if let index = fields.firstIndex(where: { $0.field == error.field }) {
                fields[index].messages.append(error.message)
            } else {
                fields.append((error.field, [error.message]))
            }
        }
        return fields
    }
}
