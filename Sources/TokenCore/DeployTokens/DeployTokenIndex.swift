/// The deploy tokens of a ``StoreState``, by id, by keyed digest and by project or group.
/// Mutated only through ``StoreState``, which keeps the undo log.
public struct DeployTokenIndex: Sendable {
    public private(set) var tokens: [DeployTokenID: DeployToken] = [:]
    private var byDigest: [TokenDigest: DeployTokenID] = [:]
    private var byResource: [Resource: Set<DeployTokenID>] = [:]

    init() {}

    public var isEmpty: Bool { tokens.isEmpty }

    public func token(_ id: DeployTokenID) -> DeployToken? { tokens[id] }

    /// The token with this keyed digest (the dictionary compares digests in constant time).
    public func token(digest: TokenDigest) -> DeployToken? { byDigest[digest].flatMap { tokens[$0] } }

    /// A project's or group's tokens, by ascending id.
    public func tokens(of resource: Resource) -> [DeployToken] {
        (byResource[resource] ?? []).sorted().compactMap { tokens[$0] }
    }

    /// Every deploy token, by ascending id.
    public func all() -> [DeployToken] { tokens.values.sorted { $0.id < $1.id } }

    mutating func set(_ id: DeployTokenID, _ token: DeployToken?) {
        if let old = tokens[id] {
            byResource[old.resource]?.remove(id)
            byDigest[old.digest] = nil
        }
        tokens[id] = token
        if let token {
            byResource[token.resource, default: []].insert(id)
            byDigest[token.digest] = id
        }
    }
}
