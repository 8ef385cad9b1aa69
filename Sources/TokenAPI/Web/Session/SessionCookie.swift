public import HTTPTypes
import TokenCore

/// The session cookie: reading it from a request's `Cookie` headers, and the `Set-Cookie` that
/// starts or ends it.
///
/// Pages never build these by hand: ``WebSignIn`` returns the `Set-Cookie` value with each
/// outcome. The cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (no cross-site POST
/// carries it), `Path=/`, and `Secure` when the request came over HTTPS.
public enum SessionCookie {
    /// The cookie's name (GitLab's is `_gitlab_session`).
    public static let name = "_tokend_session"

    /// Bytes of `Cookie` headers read at most; past that the rest is ignored (a browser sends
    /// a few hundred).
    public static let maximumHeaderBytes = 8192

    /// The session id in `request`'s cookies: the first `_tokend_session` whose value has an
    /// id's shape. One pass over at most ``maximumHeaderBytes`` bytes.
    public static func sessionID(in request: APIRequest) -> Substring? { id(named: name, in: request) }

    /// The first cookie called `cookieName` in `request`'s `Cookie` headers whose value has the
    /// shape of a ``WebSessionSecret`` id. One pass over at most ``maximumHeaderBytes`` bytes.
    static func id(named cookieName: String, in request: APIRequest) -> Substring? {
        var budget = maximumHeaderBytes
        for value in request.headers[values: .cookie] {
            guard budget > 0 else { return nil }
            let bounded = value.utf8.count > budget ? String(decoding: value.utf8.prefix(budget), as: UTF8.self)[...] : value[...]
            budget -= bounded.utf8.count
            if let id = id(named: cookieName, inCookieHeader: bounded) { return id }
        }
        return nil
    }

    /// The session id in one `Cookie` header value (`a=1; _tokend_session=…; b=2`), if any.
    static func sessionID(inCookieHeader header: Substring) -> Substring? { id(named: name, inCookieHeader: header) }

    static func id(named cookieName: String, inCookieHeader header: Substring) -> Substring? {
        for pair in header.split(separator: ";", omittingEmptySubsequences: true) {
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            guard trimmed[..<equals] == cookieName else { continue }
            var value = trimmed[trimmed.index(after: equals)...]
            while value.last == " " || value.last == "\t" { value = value.dropLast() }
            if WebSessionSecret.isWellFormed(value) { return value }
        }
        return nil
    }

    /// `Set-Cookie` for a new session: lives as long as the session may (the server ends it
    /// sooner when idle).
    public static func starting(_ sessionID: String, secure: Bool, maxAgeSeconds: Int) -> String {
        "\(name)=\(sessionID); Path=/; Max-Age=\(maxAgeSeconds); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` that removes the cookie (sign-out).
    public static func ending(secure: Bool) -> String {
        "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}
