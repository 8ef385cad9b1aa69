import HTTPTypes
import Logging
import TokenCore

extension AuthGate {
    /// A signed-in browser at the gate (`--gate-sessions`): the session its cookie names, still
    /// valid, its user active; the location's scopes as a token with `api` would meet them;
    /// its membership rule as for any user (``GatePolicy``). nil when the request carries no
    /// session cookie or one that names no valid session (the gate then answers as for a
    /// missing token: 401, which the shipped proxy configs send to `/users/sign_in`). The
    /// session's activity is recorded as on a page (at most once a minute).
    func admitSession(_ parsed: GateRequest, request: APIRequest) throws -> (User, HTTPFields)? {
        guard let id = SessionCookie.sessionID(in: request) else { return nil }
        let now = dependencies.clock.now()
        guard let resolved = try dependencies.web.signIn.resolve(sessionID: id, in: dependencies.repository, now: now) else { return nil }
        if let refusal = GatePolicy.checkScopes(of: GatePolicy.sessionScopes, against: parsed.requirement) { throw refusal }
        let membership = try dependencies.repository.read { state in
            GatePolicy.checkMembership(of: resolved.user.id, against: parsed.requirement, in: state, now: now)
        }
        if let membership { throw membership }
        guard let fields = GateHeaders.fields(forSessionOf: resolved.user) else {
            logger.error("gate: a stored name cannot go into a header", metadata: ["user_id": "\(resolved.user.id.rawValue)"])
            throw HTTPError.internalError
        }
        return (resolved.user, fields)
    }
}

extension AuthGate {
    /// Where a proxy sends a browser the gate refused (`X-Tokend-Sign-In` on a 401 with
    /// `--gate-sessions`): the sign-in page, with `redirect_to` the target the browser asked
    /// for, percent-encoded whole (a query's `&` included, which nginx and Caddy cannot encode
    /// themselves). The target comes from `X-Forwarded-Uri` (Caddy's `forward_auth` sets it; the
    /// shipped nginx file sets it from `$request_uri`); a value that is not a path of this origin
    /// is left out, as the sign-in page would refuse it anyway.
    static func signInLocation(for request: APIRequest) -> String {
        guard let asked = request.headers[GateHeaders.forwardedURI], let target = RedirectTarget.sameOrigin(asked) else {
            return SignInPage.path
        }
        return SignInPage.path + "?redirect_to=" + PercentEncoding.encodeQueryComponent(target)
    }
}

extension GateHeaders {
    /// On a 401 from a gate that accepts sessions: the sign-in page's path and query for the
    /// proxy's redirect (``AuthGate/signInLocation(for:)``). Only percent-encoded ASCII.
    static let signIn = HTTPField.Name("X-Tokend-Sign-In")!
    /// The target the proxy was asked for, as the proxy passes it to the gate.
    static let forwardedURI = HTTPField.Name("X-Forwarded-Uri")!

    /// The headers for a signed-in browser's user: no token (`X-Tokend-Token-Id` empty), the
    /// scopes a session stands for (`api`), never a bot (bots cannot sign in).
    static func fields(forSessionOf user: User) -> HTTPFields? {
        guard let username = checked(user.username) else { return nil }
        return [
            userID: String(user.id.rawValue), self.username: username, tokenID: "",
            scopes: GatePolicy.sessionScopes.map(\.rawValue).joined(separator: ","), bot: "false", botProject: "", botGroup: "",
        ]
    }
}
