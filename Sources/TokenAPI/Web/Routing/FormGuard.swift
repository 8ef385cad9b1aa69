import HTTPTypes
import TokenCore

/// The checks every state-changing form passes before its handler runs: the session's CSRF
/// token in the `authenticity_token` field (``SignedInUser/checkCSRFToken(_:)``, constant time), and an `Origin` (or,
/// without one, a `Referer`) of this very origin. Either failure is GitLab's
/// `ActionController::InvalidAuthenticityToken`: 422.
enum FormGuard {
    /// The hidden field's name, as Rails names it.
    static let fieldName = "authenticity_token"

    /// Refuses a form whose origin is another site's; `expectedOrigin` is `scheme://host[:port]`.
    static func checkOrigin(_ request: APIRequest, expectedOrigin: String) throws(HTTPError) {
        if let origin = request.headers[.origin] {
            guard origin.lowercased() == expectedOrigin.lowercased() else { throw refused }
            return
        }
        guard let referer = request.headers[.referer],
            referer.lowercased() == expectedOrigin.lowercased() || referer.lowercased().hasPrefix(expectedOrigin.lowercased() + "/")
        else { throw refused }
    }

    /// `scheme://host[:port]` of a base URL (`https://example.com/gitlab` → `https://example.com`).
    static func origin(of base: String) -> String {
        let bytes = Array(base.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: Array("://".utf8)) else { return base }
        let hostEnd = bytes[(colon + 3)...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
        return String(decoding: bytes[..<hostEnd], as: UTF8.self)
    }

    /// GitLab's answer to a forged form: 422, a plain page, nothing changed.
    static var refused: HTTPError {
        .message(.unprocessableContent, "422 Unprocessable Entity: the form was not sent from this site's page; reload the page and try again")
    }
}
