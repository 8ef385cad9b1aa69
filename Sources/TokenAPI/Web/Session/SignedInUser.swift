public import TokenCore

/// The person a browser's session cookie names, as a page sees them: found by
/// ``WebSignIn/signedInUser(_:dependencies:)``.
///
/// Pages act for them through ``context(for:parameters:path:)``, a ``RequestContext`` like the
/// API's handlers get: its ``RequestContext/caller`` is this user (a session acts as its user,
/// like a token with the `api` scope and never `Sudo`), and each of its writes checks the
/// session again inside the transaction and audits in the user's name. So pages call the same
/// services with the same permission checks as the API.
public struct SignedInUser: Sendable {
    public let user: User
    public let session: WebSession
    /// The id the browser's cookie carries (the store holds only its digest): the key to what
    /// is sealed for this session (``PageFlash``). Never shown, never logged.
    let sessionID: String
    /// The session's CSRF token: put it in every form that changes something (a hidden field),
    /// and check what comes back with ``checkCSRFToken(_:)``. Derived, never stored.
    public let csrfToken: String
    /// A `Set-Cookie` value to send with the response, when finding the user started a session
    /// (the web server's sign-in); nil when the browser already holds its cookie.
    public let setCookie: String?
    /// What the user may do: admin powers unless GitLab's Admin Mode is on (a session has no
    /// `admin_mode` scope).
    public let caller: Caller
    let dependencies: APIDependencies
    let now: Timestamp

    init(user: User, session: WebSession, sessionID: String, setCookie: String?, dependencies: APIDependencies, now: Timestamp) {
        self.user = user
        self.session = session
        self.sessionID = sessionID
        self.setCookie = setCookie
        self.dependencies = dependencies
        self.now = now
        csrfToken = dependencies.web.signIn.sessions.csrfToken(for: session.digest)
        caller = Caller(user: user, isAdmin: user.isAdmin && !dependencies.settings.adminMode)
    }

    /// True when `presented` (the form's hidden field) is this session's CSRF token; constant
    /// time. A missing token is false.
    public func checkCSRFToken(_ presented: String?) -> Bool {
        guard let presented else { return false }
        return dependencies.web.signIn.sessions.checkCSRFToken(presented, for: session.digest)
    }

    /// What a write in this user's name records: the session checked again, the audit lines.
    public func recording(for request: APIRequest) -> WriteRecording {
        WriteRecording(audit: audit(for: request), webSession: use)
    }

    /// A handler context acting as this user for `request` (its query and form parameters
    /// given, or none): `context.read`, `context.write`, `context.caller`, `context.isAdmin`,
    /// `context.webBase`, as an API handler has them.
    public func context(for request: APIRequest, parameters: Parameters = Parameters(), path: PathParameters? = nil) -> RequestContext {
        RequestContext(
            request: request, path: path ?? PathParameters(), parameters: parameters, credential: nil, caller: caller, dependencies: dependencies, now: now,
            session: nil, webSession: (use, audit(for: request)))
    }

    private var use: WebSessionUse {
        WebSessionUse(digest: session.digest, userID: user.id, now: now, policy: dependencies.web.signIn.policy)
    }

    private func audit(for request: APIRequest) -> AuditContext {
        AuditContext(
            actor: AuditActor(userID: user.id, name: user.name), ipAddress: request.remoteAddress, requestID: request.requestID, time: now)
    }
}
