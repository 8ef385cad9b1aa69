public import HTTPTypes

/// Building a page's response, with the headers every page sends: a strict
/// `Content-Security-Policy` (only tokend's own stylesheet and script; no inline script or
/// style, no framing, forms only to this origin), `Referrer-Policy: same-origin`,
/// `X-Frame-Options: DENY`, and `Cache-Control: no-store` (a page may show a token once).
enum PageResponse {
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
        + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

    static func html(_ status: HTTPResponse.Status = .ok, _ page: HTML) -> APIResponse {
        var response = APIResponse(status: status, headerFields: [.contentType: "text/html; charset=utf-8"], body: page.bytes)
        secure(&response)
        return response
    }

    /// 302 (or `status`) to a path of this origin (`location` is built by tokend or checked by
    /// ``RedirectTarget``).
    static func redirect(to location: String, status: HTTPResponse.Status = .found) -> APIResponse {
        var response = APIResponse(status: status, headerFields: [.location: location])
        secure(&response)
        return response
    }

    /// The page headers, on any answer at a page path (errors and redirects too).
    static func secure(_ response: inout APIResponse) {
        response.headerFields[.contentSecurityPolicy] = contentSecurityPolicy
        response.headerFields[.referrerPolicy] = "same-origin"
        response.headerFields[.cacheControl] = "no-store"
        response.headerFields[.pageFrameOptions] = "DENY"
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    /// `X-Frame-Options` (the API's `frameOptions`, which pages set to DENY).
    static let pageFrameOptions = HTTPField.Name("X-Frame-Options")!
}
