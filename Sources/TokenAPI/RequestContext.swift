public import TokenCore

/// What a handler knows about the request it serves: the request, its captures and
/// parameters, who is calling, the instant it is served at, and its store transactions.
public struct RequestContext: Sendable {
    public let request: APIRequest
    /// The route's `:name` captures.
    public let path: PathParameters
    public let parameters: Parameters
    /// The token that authenticated the request and its owner (nil on anonymous requests).
    public let credential: Credential?
    /// Who the request acts as: the token's owner, or the `Sudo` target, with the admin powers
    /// this request has (nil on anonymous requests).
    public let caller: Caller?
    public let dependencies: APIDependencies
    /// The instant the request is handled at, read once.
    public let now: Timestamp
    let session: Session?

    init(
        request: APIRequest, path: PathParameters, parameters: Parameters, credential: Credential?, caller: Caller?,
        dependencies: APIDependencies, now: Timestamp, session: Session?
    ) {
        self.request = request
        self.path = path
        self.parameters = parameters
        self.credential = credential
        self.caller = caller
        self.dependencies = dependencies
        self.now = now
        self.session = session
    }

    /// The caller, on routes that require authentication.
    public var user: User {
        guard let caller else { preconditionFailure("route declared authenticated") }
        return caller.user
    }

    /// The caller, on routes that require authentication (where the domain must never see a
    /// nil caller: to it, nil is the operator at the console).
    public var signedInCaller: Caller {
        guard let caller else { preconditionFailure("route declared authenticated") }
        return caller
    }

    /// The authenticating token, on routes that require authentication.
    public var token: AccessToken {
        guard let credential else { preconditionFailure("route declared authenticated") }
        return credential.token
    }

    /// Whether the caller has admin powers now (GitLab Admin Mode needs the `admin_mode` scope).
    public var isAdmin: Bool { caller?.isAdmin ?? false }

    /// 403 unless the caller is an admin.
    public func requireAdmin() throws(HTTPError) {
        guard isAdmin else { throw HTTPError.forbidden }
    }

    public func reader() -> ParameterReader { ParameterReader(parameters) }

    public var issuer: TokenIssuer { dependencies.issuer }

    /// Reads the current state.
    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T {
        try dependencies.repository.read(body)
    }

    /// The request's transaction: with a token, it also checks the credential again and records
    /// its use, so every check that guards the change runs inside it; the audit events of what
    /// it changed are recorded in it too (``AuditTrail``). Call it once per request.
    public func write<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        guard let session else { return try dependencies.repository.write(.audited(audit), body) }
        return try session.write(in: dependencies.repository, body)
    }

    /// Who and where, as this request's audit lines name them.
    public var audit: AuditContext {
        session?.audit ?? AuditContext(actor: .anonymous, ipAddress: request.remoteAddress, requestID: request.requestID, time: now)
    }

    /// `https://host[:port]` for web URLs, links and bot e-mail addresses: the configured
    /// external URL, or the web server's configured origin.
    public var webBase: String {
        var base = dependencies.externalURL ?? request.serverOrigin ?? "http://localhost"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// The host clients reach the instance at, without scheme or port (bot e-mail addresses).
    var host: String {
        var base = Substring(webBase)
        if let colon = base.firstIndex(of: ":"), base[colon...].hasPrefix("://") { base = base[base.index(colon, offsetBy: 3)...] }
        if let slash = base.firstIndex(of: "/") { base = base[..<slash] }
        if base.hasPrefix("["), let close = base.firstIndex(of: "]") { return String(base[...close]) }
        if let colon = base.firstIndex(of: ":") { base = base[..<colon] }
        return base.isEmpty ? "localhost" : String(base)
    }
}
