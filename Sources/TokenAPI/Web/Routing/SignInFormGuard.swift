import HTTPTypes
import TokenCore

/// The sign-in form's CSRF token (against login CSRF: another site signing a browser in as
/// the attacker). Rails gives a visitor's session an `authenticity_token` before anyone signs
/// in; tokend, which keeps no session for a visitor, binds the token to a pre-session cookie
/// instead: a random id (``WebSessionSecret/newID(_:)``) that the form sets when the browser has
/// none, and the form's token is ``WebSessionSecret/csrfToken(for:)`` of the id's
/// ``WebSessionSecret/preSessionDigest(of:)``. Nothing is stored; another site can neither
/// read the cookie nor compute the token, so a forged sign-in POST is refused with GitLab's 422
/// (``FormGuard/refused``), after the same origin check as every other form.
///
/// The cookie is `HttpOnly`, `SameSite=Lax`, `Secure` over HTTPS, scoped to the sign-in path,
/// and ends with the browser (it grants nothing but sending this form).
enum SignInFormGuard {
    static let cookieName = "_tokend_presession"

    /// The request's pre-session id, or a new one and the `Set-Cookie` that starts it.
    static func preSession(_ context: WebContext) -> (id: String, setCookie: String?) {
        if let id = SessionCookie.id(named: cookieName, in: context.request) { return (String(id), nil) }
        let id = WebSessionSecret.newID(context.dependencies.random)
        let cookie = "\(cookieName)=\(id); Path=\(SignInPage.path); HttpOnly; SameSite=Lax" + (context.request.isHTTPS ? "; Secure" : "")
        return (id, cookie)
    }

    /// The form's hidden `authenticity_token` for pre-session `id`.
    static func csrfField(preSession id: String, _ dependencies: APIDependencies) -> HTML {
        let sessions = dependencies.web.signIn.sessions
        return "<input type=\"hidden\" name=\"\(FormGuard.fieldName)\" value=\"\(sessions.csrfToken(for: sessions.preSessionDigest(of: id)))\">"
    }

    /// Refuses (422) a form without the pre-session cookie or whose `authenticity_token` is not
    /// that cookie's; the comparison is constant time.
    static func check(_ context: WebContext) throws(HTTPError) {
        guard let id = SessionCookie.id(named: cookieName, in: context.request), let presented = context.field(FormGuard.fieldName) else {
            throw FormGuard.refused
        }
        let sessions = context.dependencies.web.signIn.sessions
        guard sessions.checkCSRFToken(presented, for: sessions.preSessionDigest(of: String(id))) else { throw FormGuard.refused }
    }
}
