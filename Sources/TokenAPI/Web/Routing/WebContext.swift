public import TokenCore

/// What a page's handler knows: the request as the API's ``RequestContext`` (so the pages
/// reach the store and the rules through exactly the helpers the API's handlers use), the
/// person it is shown to, if signed in, and the form they sent.
public struct WebContext: Sendable {
    /// The request as an API handler would see it, its caller the signed-in person.
    public let api: RequestContext
    /// The signed-in person (nil only on pages anyone may open).
    public let viewer: SignedInUser?

    init(api: RequestContext, viewer: SignedInUser?) {
        self.api = api
        self.viewer = viewer
    }

    public var now: Timestamp { api.now }
    public var request: APIRequest { api.request }
    public var path: PathParameters { api.path }
    public var dependencies: APIDependencies { api.dependencies }

    /// The signed-in person of a page that requires one (the router sends anyone else to sign
    /// in before the handler runs).
    public var person: SignedInUser {
        get throws(HTTPError) {
            guard let viewer else { throw HTTPError.unauthorized }
            return viewer
        }
    }

    /// Reads the current state.
    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T { try api.read(body) }

    /// The page's one transaction: the session checked again inside it, audited in the
    /// signed-in person's name (``SignedInUser/context(for:parameters:path:)``).
    public func write<T>(_ body: (inout StoreState) throws -> T) throws -> T { try api.write(body) }

    /// A form field or query parameter as text (nil when absent or not text).
    public func field(_ name: String) -> String? {
        if case .string(let value)? = api.parameters[name] { return value }
        return nil
    }

    /// A repeated field (`scopes[]`), or a single one as a list of one.
    public func fields(_ name: String) -> [String] {
        switch api.parameters[name] {
        case .list(let values)?: return values
        case .string(let value)?: return [value]
        default: return []
        }
    }
}
