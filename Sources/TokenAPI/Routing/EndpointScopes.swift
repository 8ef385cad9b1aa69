public import HTTPTypes
public import TokenCore

/// Which token scopes an endpoint accepts, as GitLab registers them: the endpoint's own
/// grants followed by the API-wide ones (`api`, and `read_api` for GET/HEAD).
public struct EndpointScopes: Sendable {
    /// A scope and whether it grants reads only.
    public struct Grant: Sendable {
        public var scope: Scope
        public var readOnly: Bool

        public init(_ scope: Scope, readOnly: Bool = false) {
            self.scope = scope
            self.readOnly = readOnly
        }
    }

    /// In registration order: the order insufficient_scope names them.
    public let grants: [Grant]
    /// The scopes that satisfy a read (GET, HEAD) and a write, computed once per route.
    private let forReads: Set<Scope>
    private let forWrites: Set<Scope>

    static let global = [Grant(.api), Grant(.readAPI, readOnly: true)]

    public init(own: [Grant] = []) {
        grants = own + Self.global
        forReads = Set(grants.map(\.scope))
        forWrites = Set(grants.filter { !$0.readOnly }.map(\.scope))
    }

    /// Scopes that satisfy this endpoint for `method`.
    public func accepted(for method: HTTPRequest.Method) -> Set<Scope> {
        method == .get || method == .head ? forReads : forWrites
    }

    /// Every registered scope, as the `scope` field of insufficient_scope lists them.
    public var registered: [Scope] { grants.map(\.scope) }

    /// API-wide only.
    public static let api = EndpointScopes()
    /// Any scope at all (`/personal_access_tokens/self`).
    public static let anyScope = EndpointScopes(own: Scope.all.map { Grant($0) })
    /// The Users API: `read_user` for reads.
    public static let users = EndpointScopes(own: [Grant(.readUser, readOnly: true)])
    /// Rotating one's own token: `self_rotate` besides `api`.
    public static let selfRotation = EndpointScopes(own: [Grant(.api), Grant(.selfRotate)])
}
