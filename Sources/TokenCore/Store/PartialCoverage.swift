import Synchronization

/// One thing a read asked a partial ``StoreState`` for that it does not hold.
public enum StoreDemand: Hashable, Sendable {
    /// The token with this digest, or the knowledge that there is none.
    case tokenDigest(TokenDigest)
    /// The token with this id, or the knowledge that there is none.
    case token(TokenID)
    /// The user with this id, or the knowledge that there is none.
    case user(UserID)
    /// A query a handful of records cannot answer (a list, a count, a search): load everything.
    case everything
}

/// What a partial ``StoreState`` knows, and the demands its queries made beyond that.
///
/// A store that can find single records without loading them all (CGI mode) answers a read by
/// running it on a partial state holding only the records it resolved so far. A query outside
/// what is resolved answers "absent" and records a demand here; the store then resolves those
/// demands and runs the read again, or loads everything. A read whose run recorded no demand
/// saw exactly what the full state would have shown it.
final class PartialCoverage: Sendable {
    let digests: Set<TokenDigest>
    let tokenIDs: Set<TokenID>
    let userIDs: Set<UserID>
    private let demands = Mutex<Set<StoreDemand>>([])

    init(digests: Set<TokenDigest>, tokenIDs: Set<TokenID>, userIDs: Set<UserID>) {
        self.digests = digests
        self.tokenIDs = tokenIDs
        self.userIDs = userIDs
    }

    func demand(_ demand: StoreDemand) {
        demands.withLock { _ = $0.insert(demand) }
    }

    var recorded: Set<StoreDemand> { demands.withLock { $0 } }
}

extension StoreState {
    /// A state holding only `tokens` and `users`, which answers for exactly the digests and
    /// ids listed as resolved (a resolved key without a record means "no such record"). Any
    /// other query answers as if the record were absent and records a demand; see
    /// ``partialDemands``. Only for reads: a partial state is never written.
    public static func partial(
        tokens: [AccessToken], users: [User], resolvedDigests: Set<TokenDigest>, resolvedTokenIDs: Set<TokenID>,
        resolvedUserIDs: Set<UserID>
    ) -> StoreState {
        var state = StoreState()
        for user in users { state.apply(.putUser(user)) }
        for token in tokens { state.apply(.putToken(token)) }
        state.coverage = PartialCoverage(digests: resolvedDigests, tokenIDs: resolvedTokenIDs, userIDs: resolvedUserIDs)
        return state
    }

    /// For a partial state, what its queries asked for beyond what it holds (empty when the
    /// reads so far were fully answered); nil for a complete state.
    public var partialDemands: Set<StoreDemand>? { coverage?.recorded }

    /// False (after recording the demand) when this is a partial state that cannot answer for it.
    func covers(_ demand: StoreDemand) -> Bool {
        guard let coverage else { return true }
        let known: Bool
        switch demand {
        case .tokenDigest(let digest): known = coverage.digests.contains(digest)
        case .token(let id): known = coverage.tokenIDs.contains(id)
        case .user(let id): known = coverage.userIDs.contains(id)
        case .everything: known = false
        }
        if !known { coverage.demand(demand) }
        return known
    }
}
