import HTTPTypes
public import TokenCore

/// The entry points the pages' handlers call to sign people in and out. Each returns the
/// `Set-Cookie` value the response must carry; none writes a page.
///
/// - ``signedInUser(_:dependencies:)`` on every page: who is signed in, or nil (show the
///   sign-in page, or redirect to it).
/// - ``signIn(_:login:password:dependencies:)`` for the sign-in form's POST.
/// - ``signOut(_:dependencies:)`` for the sign-out form's POST.
/// - ``changePassword(_:current:new:request:dependencies:)`` for the password form's POST.
/// - ``setPassword(_:of:by:request:dependencies:)`` for an admin setting someone's password.
///
/// CSRF and origin checks on the forms are the pages' (``SignedInUser/checkCSRFToken(_:)``
/// gives the token); this type does the rest: throttling, lockout, audit, the session.
public enum WebSignIn {
    /// The outcome of a sign-in form.
    public enum Outcome: Sendable {
        /// Signed in: send `setCookie`, then redirect.
        case signedIn(SignedInUser, setCookie: String)
        /// Refused: show the sign-in form again with `refusal.message` (status 401, or 429 when
        /// ``SignInService/Refusal/throttled``).
        case refused(SignInService.Refusal)
    }

    /// Who `request`'s session cookie names, or nil. With the web server's sign-in on, a
    /// request the web server vouches for signs that user in (a new session, its `Set-Cookie`
    /// in ``SignedInUser/setCookie``), and replaces a session of someone else.
    ///
    /// Pages call this first; a nil answer means "not signed in" (a missing, unknown, expired
    /// or ended session, or a blocked user). Throws only when the store fails (503).
    public static func signedInUser(_ request: APIRequest, dependencies: APIDependencies) throws -> SignedInUser? {
        let service = dependencies.web.signIn
        let now = dependencies.clock.now()
        let cookie = SessionCookie.sessionID(in: request)
        let resolved = try cookie.flatMap { try service.resolve(sessionID: $0, in: dependencies.repository, now: now) }
        let trusted = dependencies.web.trustedUsername(in: request)
        if let resolved, trusted.map({ $0.lowercased() == resolved.user.username.lowercased() }) ?? true {
            return SignedInUser(
                user: resolved.user, session: resolved.session, sessionID: String(cookie ?? ""), setCookie: nil, dependencies: dependencies, now: now)
        }
        guard let trusted else { return nil }
        if let cookie, resolved != nil { try service.signOut(sessionID: cookie, in: dependencies.repository) }
        switch try service.signInTrusted(username: trusted, client: client(of: request), in: dependencies.repository, now: now) {
        case .success(let started):
            return SignedInUser(
                user: started.user, session: started.session, sessionID: started.sessionID, setCookie: startCookie(started.sessionID, request, dependencies),
                dependencies: dependencies, now: now)
        case .failure:
            return nil
        }
    }

    /// Signs in with the sign-in form's login (username or e-mail) and password, from
    /// `request`'s client address. A session cookie the request already carries is ended first
    /// (a fresh id at every sign-in: no session fixation).
    public static func signIn(_ request: APIRequest, login: String, password: String, dependencies: APIDependencies) throws -> Outcome {
        let service = dependencies.web.signIn
        let now = dependencies.clock.now()
        switch try service.signIn(login: login, password: password, client: client(of: request), in: dependencies.repository, now: now) {
        case .failure(let refusal):
            return .refused(refusal)
        case .success(let started):
            if let old = SessionCookie.sessionID(in: request) { try service.signOut(sessionID: old, in: dependencies.repository) }
            let cookie = startCookie(started.sessionID, request, dependencies)
            return .signedIn(
                SignedInUser(
                    user: started.user, session: started.session, sessionID: started.sessionID, setCookie: cookie, dependencies: dependencies,
                    now: now),
                setCookie: cookie)
        }
    }

    /// Ends the request's session, if any; returns the `Set-Cookie` that clears the cookie.
    public static func signOut(_ request: APIRequest, dependencies: APIDependencies) throws -> String {
        if let id = SessionCookie.sessionID(in: request) { try dependencies.web.signIn.signOut(sessionID: id, in: dependencies.repository) }
        return SessionCookie.ending(secure: request.isHTTPS)
    }

    /// Why a password change was refused.
    public enum PasswordRefusal: Error, Hashable, Sendable {
        /// A rule of ``PasswordRules``: show `error.message` on the password field.
        case invalid(FieldError)
        /// GitLab's "You must provide a valid current password".
        case currentPasswordInvalid
    }

    /// Changes the signed-in user's own password (the password page): the current one must
    /// verify (when they have one), the new one must follow ``PasswordRules``. Every other
    /// session of theirs ends; this one stays. Returns nil when the password changed, else why
    /// not (show the form again).
    public static func changePassword(
        _ signedIn: SignedInUser, current: String, new: String, request: APIRequest, dependencies: APIDependencies
    ) throws -> PasswordRefusal? {
        if let error = PasswordRules.check(new) { return .invalid(error) }
        let hasher = dependencies.web.signIn.hasher
        let stored = try dependencies.repository.read { $0.user(signedIn.user.id)?.passwordHash }
        if let stored, !hasher.verify(current, stored) { return .currentPasswordInvalid }
        let hash = hasher.hash(new)
        let digest = signedIn.session.digest
        return try dependencies.repository.write(signedIn.recording(for: request)) { state -> PasswordRefusal? in
            // The hash verified must still be the stored one (no change slipped in between).
            guard state.user(signedIn.user.id)?.passwordHash == stored else { return .currentPasswordInvalid }
            try UserDirectory.setPassword(hash: hash, for: signedIn.user.id, keeping: digest, in: &state)
            return nil
        }
    }

    /// Sets another user's password (the admin pages' "set a password"): admins only (403
    /// otherwise, as the API), GitLab's rules, every session of that user ended (but the
    /// admin's own, when they set their own). Returns the rule broken, or nil when it is set.
    public static func setPassword(
        _ password: String, of target: UserID, by admin: SignedInUser, request: APIRequest, dependencies: APIDependencies
    ) throws -> FieldError? {
        guard admin.caller.isAdmin else { throw HTTPError.forbidden }
        if let error = PasswordRules.check(password) { return error }
        let hash = dependencies.web.signIn.hasher.hash(password)
        let kept = target == admin.user.id ? admin.session.digest : nil
        try dependencies.repository.write(admin.recording(for: request)) { state in
            guard let user = state.user(target), !user.isBotUserType else { throw HTTPError.notFound("User") }
            try UserDirectory.setPassword(hash: hash, for: target, keeping: kept, in: &state)
        }
        return nil
    }

    static func client(of request: APIRequest) -> SignInService.Client {
        SignInService.Client(address: request.remoteAddress, userAgent: request.headers[.userAgent], requestID: request.requestID)
    }

    static func startCookie(_ id: String, _ request: APIRequest, _ dependencies: APIDependencies) -> String {
        SessionCookie.starting(id, secure: request.isHTTPS, maxAgeSeconds: dependencies.web.signIn.policy.absoluteLifetimeMinutes * 60)
    }
}
