import JSON

/// One HTTP response as a value: handlers return these; the transport writes them out.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The route template that answered (`/personal_access_tokens/:id`), for logs; not sent.
    public var route: String?
    /// The id of the user the request acted as, for logs; not sent.
    public var userID: Int?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response with GitLab's content type.
    public static func json(_ status: Int, _ writer: JSONWriter, headers: [(name: String, value: String)] = []) -> APIResponse {
        APIResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: writer.bytes)
    }

    public static func noContent() -> APIResponse { APIResponse(status: 204) }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The standard reason phrase, for the CGI `Status:` line.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 412: return "Precondition Failed"
        case 413: return "Payload Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Entity"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        case 507: return "Insufficient Storage"
        default: return "Status \(status)"
        }
    }
}
