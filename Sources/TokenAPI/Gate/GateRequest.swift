import HTTPTypes
import TokenCore

/// What one gate request asks and carries: the requirement the web server's configuration
/// put in the path and query (`/-/auth/read_api+write_repository?project=acme/web`), and the
/// token the client presented in a header.
struct GateRequest {
    var requirement: GateRequirement
    /// The token, from `PRIVATE-TOKEN`, `Authorization: Bearer` or `Authorization: Basic`
    /// (the password); nil when none was sent.
    var token: String?
    /// The client sent `Authorization: Basic`: a 401 then challenges with Basic, so git and
    /// docker prompt for credentials.
    var basic: Bool
    /// A deploy token instead of an access token: the `Deploy-Token` header alone (as package
    /// managers send it to GitLab), or a Basic password with the deploy token prefix together
    /// with its username (as `docker login` and git send it). Nil when ``token`` is set.
    var deployToken: (value: String, username: String?)?

    /// GitLab's `Deploy-Token` header.
    static let deployTokenHeader = HTTPField.Name("Deploy-Token")!

    /// The gate's path: `/-/auth`, or `/-/auth/<scope>[+<scope>…]`.
    static let path = "/-/auth"

    /// Parses `request`: its target's scopes and membership rule, then its credentials. A
    /// malformed requirement is 400 (through nginx's auth_request, a 500: it fails closed);
    /// the token never comes from the query string, which web servers log.
    init(_ request: APIRequest) throws(HTTPError) {
        requirement = GateRequirement(scopes: try Self.scopes(in: request.rawPath))
        requirement.membership = try Self.membership(in: request.rawQuery)
        (token, basic) = Self.credentials(of: request)
        if let token, token.hasPrefix(DeployToken.prefix), basic, Authenticator.presentedToken(request, parameters: Parameters()) == nil {
            let username = request.headers[.authorization].flatMap(BasicCredentials.init(authorization:))?.user
            (self.token, deployToken) = (nil, (token, username ?? ""))
        } else if token == nil, let value = request.headers[Self.deployTokenHeader], !value.isEmpty {
            deployToken = (value, nil)
        }
    }

    /// `read_api+write_repository` → both; every name must be a scope tokend knows.
    static func scopes(in rawPath: Substring) throws(HTTPError) -> [Scope] {
        // The raw path is ASCII, and starts with `/-/auth` (its route's prefix): compared as bytes.
        guard !rawPath.utf8.elementsEqual(path.utf8) else { return [] }
        let segment = Substring(rawPath.utf8.dropFirst(path.utf8.count + 1))
        guard !segment.isEmpty, !segment.utf8.contains(UInt8(ascii: "/")) else { throw HTTPError.routeNotFound }
        guard let decoded = PercentEncoding.decode(segment) else { throw HTTPError.malformed }
        var scopes: [Scope] = []
        for name in decoded.split(separator: "+", omittingEmptySubsequences: false) {
            let scope = Scope(String(name))
            guard Scope.allSet.contains(scope) else { throw HTTPError.error(.badRequest, "scopes does not have a valid value") }
            if !scopes.contains(scope) { scopes.append(scope) }
        }
        return scopes
    }

    /// `project=<path or id>` or `group=…`, with `min_access_level` (default 10, Guest).
    static func membership(in rawQuery: Substring) throws(HTTPError) -> GateRequirement.Membership? {
        guard !rawQuery.isEmpty else { return nil }
        var parameters = Parameters()
        try parameters.addForm(rawQuery)
        var reader = ParameterReader(parameters)
        let project = reader.string("project")
        let group = reader.string("group")
        let level = reader.integer("min_access_level")
        try reader.check()
        if project != nil && group != nil { throw HTTPError.error(.badRequest, "project, group are mutually exclusive") }
        guard let reference = project ?? group else {
            guard level == nil else { throw HTTPError.error(.badRequest, "project, group are missing, exactly one parameter must be provided") }
            return nil
        }
        guard !reference.isEmpty else { throw HTTPError.error(.badRequest, "\(project != nil ? "project" : "group") is empty") }
        var minimum = AccessLevel.guest
        if let level {
            guard let valid = AccessLevel(memberLevel: level) else {
                throw HTTPError.error(.badRequest, "min_access_level does not have a valid value")
            }
            minimum = valid
        }
        return GateRequirement.Membership(kind: project != nil ? .project : .group, reference: reference, minimum: minimum)
    }

    /// The token by the API's header precedence (`PRIVATE-TOKEN`, then `Bearer`), then the
    /// password of `Authorization: Basic`. Query parameters are never read.
    static func credentials(of request: APIRequest) -> (token: String?, basic: Bool) {
        let authorization = request.headers[.authorization]
        let basic = authorization.map(BasicCredentials.isBasic) ?? false
        if let token = Authenticator.presentedToken(request, parameters: Parameters()) { return (token, basic) }
        guard basic, let authorization, let credentials = BasicCredentials(authorization: authorization),
            !credentials.password.isEmpty
        else { return (nil, basic) }
        return (credentials.password, true)
    }
}
