public import Logging
public import TokenCore

/// What a handler knows about the request it serves: the request, its captures and
/// parameters, who is calling if anyone, the instant it is served at, and its store
/// transactions. Routes that serve anonymous callers get this; routes that need a caller get an
/// ``AuthenticatedContext``, in which the caller cannot be missing.
public struct RequestContext: HandlerContext {
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
    /// A signed-in browser's request (``SignedInUser/context(for:parameters:path:)``): its
    /// session, checked again in every write, and the audit lines in its user's name.
    let webSession: (use: WebSessionUse, audit: AuditContext)?

    init(
        request: APIRequest, path: PathParameters, parameters: Parameters, credential: Credential?, caller: Caller?,
        dependencies: APIDependencies, now: Timestamp, session: Session?, webSession: (use: WebSessionUse, audit: AuditContext)? = nil
    ) {
        self.webSession = webSession
        self.request = request
        self.path = path
        self.parameters = parameters
        self.credential = credential
        self.caller = caller
        self.dependencies = dependencies
        self.now = now
        self.session = session
    }

    public var base: RequestContext { self }

    /// `visibility` as GitLab accepts it.
    static let visibilityNames = Visibility.allCases.map(\.rawValue)
}

/// What every handler context offers, whether or not its route needs a caller: a context is
/// the ``RequestContext`` it refines (``base``) plus what it guarantees.
public protocol HandlerContext: Sendable {
    /// The request's context (an ``AuthenticatedContext`` refines one).
    var base: RequestContext { get }
}

extension HandlerContext {
    public var request: APIRequest { base.request }
    public var path: PathParameters { base.path }
    public var parameters: Parameters { base.parameters }
    public var dependencies: APIDependencies { base.dependencies }
    public var now: Timestamp { base.now }

    /// The application's logger with this request's `request_id`: every line a handler writes
    /// about its request carries the id its access line has. Built when a line is written.
    public var logger: Logger { base.dependencies.logger.forRequest(base.request.requestID) }

    /// Whether the caller has admin powers now (GitLab Admin Mode needs the `admin_mode` scope).
    public var isAdmin: Bool { base.caller?.isAdmin ?? false }

    /// 403 unless the caller is an admin.
    public func requireAdmin() throws(HTTPError) {
        guard isAdmin else { throw HTTPError.forbidden }
    }

    public func reader() -> ParameterReader { ParameterReader(base.parameters) }

    public var issuer: TokenIssuer { base.dependencies.issuer }

    /// Reads the current state.
    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T {
        try base.dependencies.repository.read(body)
    }

    /// The request's transaction: with a token, it also checks the credential again and records
    /// its use, so every check that guards the change runs inside it; the audit events of what
    /// it changed are recorded in it too (``AuditTrail``). Call it once per request.
    public func write<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        let context = base
        if let web = context.webSession {
            return try context.dependencies.repository.write(WriteRecording(audit: web.audit, webSession: web.use), body)
        }
        guard let session = context.session else { return try context.dependencies.repository.write(.audited(context.audit), body) }
        return try session.write(in: context.dependencies.repository, body)
    }

    /// Who and where, as this request's audit lines name them.
    public var audit: AuditContext {
        let context = base
        return context.session?.audit ?? context.webSession?.audit
            ?? AuditContext(actor: .anonymous, ipAddress: context.request.remoteAddress, requestID: context.request.requestID, time: context.now)
    }

    /// `https://host[:port]` for web URLs, links and bot e-mail addresses: the configured
    /// external URL, or the web server's configured origin.
    public var webBase: String {
        var base = self.base.dependencies.externalURL ?? self.base.request.serverOrigin ?? "http://localhost"
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
