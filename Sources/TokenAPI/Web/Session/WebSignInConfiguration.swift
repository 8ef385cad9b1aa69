import HTTPTypes
public import TokenCore

/// How this instance signs people in to its pages: the sign-in service (password hashing,
/// session timeouts, the per-address throttle), the web server's sign-in, and whether the gate
/// accepts session cookies. Built once from the settings (`tokend serve`).
public struct WebSignInConfiguration: Sendable {
    public var signIn: SignInService
    /// Whom the web server's word is taken from: nil (off, the default), `REMOTE_USER` (the CGI
    /// variable the web server's auth module sets), or a header name the operator's proxy sets.
    public var webServerSignIn: String?
    /// `/-/auth` also accepts a signed-in browser's session cookie.
    public var gateAcceptsSessions: Bool

    public init(signIn: SignInService, webServerSignIn: String? = nil, gateAcceptsSessions: Bool = false) {
        self.signIn = signIn
        self.webServerSignIn = webServerSignIn
        self.gateAcceptsSessions = gateAcceptsSessions
    }

    /// The name the web server vouches for in `request`, when the web server's sign-in is on.
    func trustedUsername(in request: APIRequest) -> String? {
        guard let source = webServerSignIn else { return nil }
        if source == "REMOTE_USER" { return request.remoteUser }
        guard let name = HTTPField.Name(source), let value = request.headers[name] else { return nil }
        let trimmed = value.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        return trimmed.isEmpty || trimmed.count > SignInService.maximumLoginLength ? nil : String(trimmed)
    }
}
