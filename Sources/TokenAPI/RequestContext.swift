import TokenCore

/// What a handler knows about the request it serves: the request, its parameters, who is
/// calling, and the environment.
public struct RequestContext: Sendable {
    public let request: APIRequest
    /// Decoded `:name` path segments.
    public let pathParameters: [String: String]
    public let parameters: Parameters
    /// The token that authenticated the request, and its owner (nil on public routes).
    public let credential: Credential?
    /// The user the request acts as: the token's owner, or the `Sudo` target.
    public let actor: User?
    public let environment: APIEnvironment
    /// The instant the request is handled at, read once.
    public let now: Timestamp
    /// The decoded path segments below `/api/v4`.
    public let segments: [String]

    /// The caller, for routes that require authentication.
    public var user: User {
        guard let actor else { preconditionFailure("route declared authenticated") }
        return actor
    }

    public var token: AccessToken {
        guard let credential else { preconditionFailure("route declared authenticated") }
        return credential.token
    }

    /// Whether the caller has admin powers now (GitLab Admin Mode needs the `admin_mode` scope).
    public var isAdmin: Bool {
        guard let actor, actor.isAdmin else { return false }
        guard environment.settings.adminMode else { return true }
        return credential?.token.scopes.contains(Scope.adminMode) ?? false
    }

    /// 403 unless the caller is an admin.
    public func requireAdmin() throws(HTTPError) {
        guard isAdmin else { throw HTTPError.forbidden }
    }

    public func reader() -> ParameterReader { ParameterReader(parameters) }

    public func pathParameter(_ name: String) -> String { pathParameters[name] ?? "" }

    public var repository: any TokenRepository { environment.repository }
    public var issuer: TokenIssuer { environment.issuer }
}
