import HTTPTypes
import JSON

/// Turning a request's raw target and body into path segments and parameters, in linear time
/// and within ``RequestLimits``, refusing what GitLab's middleware refuses.
enum RequestParsing {
    /// Refuses what GitLab's middleware refuses before any routing: a target past the length
    /// bound, or control bytes in it. (CR, LF and NUL in header values are refused by the
    /// transport, before ``HTTPFields`` could turn them into spaces.)
    static func checkWellFormed(_ request: APIRequest) throws(HTTPError) {
        let target = request.target.utf8
        guard target.count <= RequestLimits.target else { throw .uriTooLong }
        guard !ByteScan.contains(request.target, where: { $0 < 0x21 || $0 == 0x7F }) else { throw .malformed }
    }

    /// The decoded segments below `/api/v4/`, or nil when the path is not under it or has an
    /// empty segment. A segment that decodes to invalid UTF-8 or a NUL is malformed (400).
    static func apiSegments(of rawPath: Substring) throws(HTTPError) -> [String]? {
        // Scanned as bytes (ByteScan): the generic UTF8View scans were half of this function.
        guard ByteScan.hasPrefix(rawPath, "/api/v4") else { return nil }
        var rest = Substring(rawPath.utf8.dropFirst(7))
        guard rest.isEmpty || rest.utf8.first == UInt8(ascii: "/") else { return nil }
        if !rest.isEmpty { rest = Substring(rest.utf8.dropFirst()) }
        var segments: [String] = []
        segments.reserveCapacity(6)
        while !rest.isEmpty {
            let end = ByteScan.firstOffset(of: UInt8(ascii: "/"), in: rest).map { rest.utf8.index(rest.utf8.startIndex, offsetBy: $0) } ?? rest.endIndex
            let part = rest[..<end]
            let isLast = end == rest.endIndex
            rest = isLast ? rest[end...] : rest[rest.utf8.index(after: end)...]
            if part.isEmpty {
                // A trailing slash is ignored; an empty segment inside the path names nothing.
                if isLast { break }
                return nil
            }
            guard let decoded = PercentEncoding.decode(part), !ByteScan.contains(decoded, where: { $0 == 0 }) else { throw .malformed }
            segments.append(decoded)
        }
        return segments
    }

    /// Query string plus a form or JSON body, merged. Invalid JSON is Grape's 400; invalid
    /// UTF-8, a NUL, or input past ``RequestLimits`` is GitLab's plain 400.
    static func parameters(of request: APIRequest, limit: Int) throws(HTTPError) -> Parameters {
        var parameters = Parameters()
        try parameters.addForm(request.rawQuery)
        guard !request.body.isEmpty else { return parameters }
        guard request.body.count <= limit else { throw .payloadTooLarge }
        let type = (request.headers[.contentType] ?? "").lowercased()
        if type.hasPrefix("application/json") || type.hasSuffix("+json") {
            let value: JSONValue
            do {
                value = try JSONParser.parse(request.body, limits: RequestLimits.json)
            } catch where error.kind == .syntax {
                throw HTTPError.error(.badRequest, "The request body contains invalid JSON")
            } catch {
                throw .malformed
            }
            guard case .object(let object) = value else {
                throw HTTPError.error(.badRequest, "The request body must be a JSON object")
            }
            try parameters.addJSON(object)
        } else if type.isEmpty || type.hasPrefix("application/x-www-form-urlencoded") {
            guard let text = String(validating: request.body, as: UTF8.self) else { throw .malformed }
            try parameters.addForm(text[...])
        }
        return parameters
    }
}
