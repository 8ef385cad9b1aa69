public import TokenCore

/// The person a page is shown to: the signed-in user, with the admin powers the API would give
/// them, and the session's CSRF token that every form they submit must carry back.
public struct WebViewer: Sendable {
    public var user: User
    /// The caller the API's rules see (the same `Caller` a token of this user would make).
    public var caller: Caller
    /// The session's per-session CSRF token (a hidden field in every form).
    public var csrfToken: String

    public init(user: User, caller: Caller, csrfToken: String) {
        self.user = user
        self.caller = caller
        self.csrfToken = csrfToken
    }
}
