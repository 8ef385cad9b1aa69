public import TokenCore

/// The context of a route that needs a caller (hummingbird's child request context): built by
/// ``Application`` only once authentication, `Sudo`, the route's scopes and the owner's state
/// have all passed, so a handler that takes one cannot see a request without a caller. A
/// route's handler type says which context it gets (``Route``), so a route declared wrongly
/// does not compile.
public struct AuthenticatedContext: HandlerContext {
    public let base: RequestContext
    /// The token that authenticated the request and its owner.
    public let credential: Credential
    /// Who the request acts as: the token's owner, or the `Sudo` target, with the admin powers
    /// this request has. To the domain a nil caller is the operator at the console, so it must
    /// never see one from a request.
    public let caller: Caller

    /// The only way to make one: from what a successful authentication produced.
    init(
        request: APIRequest, path: PathParameters, parameters: Parameters, credential: Credential, caller: Caller,
        dependencies: APIDependencies, now: Timestamp, session: Session
    ) {
        base = RequestContext(
            request: request, path: path, parameters: parameters, credential: credential, caller: caller,
            dependencies: dependencies, now: now, session: session)
        self.credential = credential
        self.caller = caller
    }

    /// The request's session (set on every authenticated request).
    var session: Session? { base.session }

    /// The user the request acts as.
    public var user: User { caller.user }

    /// The caller (the domain's `Caller`), named as the handlers name it.
    public var signedInCaller: Caller { caller }

    /// The authenticating token.
    public var token: AccessToken { credential.token }
}
