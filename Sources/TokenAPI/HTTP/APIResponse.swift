public import HTTPTypes
public import JSON

/// One HTTP response as a value: handlers return these and one place (the transport) turns
/// them into bytes. What the log and metrics need travels beside it, in ``Telemetry``.
public struct APIResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headerFields: HTTPFields
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    /// A JSON response with GitLab's content type.
    public static func json(_ status: HTTPResponse.Status, _ writer: JSONWriter, headerFields: HTTPFields = [:]) -> APIResponse {
        json(status, bytes: writer.bytes, headerFields: headerFields)
    }

    /// A JSON response of bytes already written.
    public static func json(_ status: HTTPResponse.Status, bytes: [UInt8], headerFields: HTTPFields = [:]) -> APIResponse {
        var fields = jsonContentType
        if !headerFields.isEmpty { fields.append(contentsOf: headerFields) }
        return APIResponse(status: status, headerFields: fields, body: bytes)
    }

    /// `Content-Type: application/json`, validated once (swift-http-types checks every value it
    /// is given; this one is a constant).
    static let jsonContentType: HTTPFields = [.contentType: "application/json"]

    /// `text/plain` bytes.
    public static func text(_ status: HTTPResponse.Status, _ text: String, contentType: String = "text/plain") -> APIResponse {
        APIResponse(status: status, headerFields: [.contentType: contentType], body: Array(text.utf8))
    }

    public static var noContent: APIResponse { APIResponse(status: .noContent) }

    /// GitLab's `accepted!`: 202 `{"message":"202 Accepted"}` (deleting a project or group).
    public static var accepted: APIResponse {
        var w = JSONWriter()
        w.beginObject()
        w.field("message", "202 Accepted")
        w.endObject()
        return .json(.accepted, w)
    }
}

/// What the request log and the metrics record about an exchange, never sent to the client.
public struct Telemetry: Sendable, Equatable {
    /// The route template that answered (`/personal_access_tokens/:id`), `-` when none did,
    /// `/-/*` for an unknown health path: always from the route table, never from the client.
    public var route: String
    /// The user the request acted as, when it authenticated.
    public var userID: Int?

    public init(route: String = "-", userID: Int? = nil) {
        self.route = route
        self.userID = userID
    }
}

/// A response and its telemetry: what ``Application/answer(_:)`` returns to a transport.
public struct Answer: Sendable {
    public var response: APIResponse
    public var telemetry: Telemetry

    public init(response: APIResponse, telemetry: Telemetry) {
        self.response = response
        self.telemetry = telemetry
    }
}
