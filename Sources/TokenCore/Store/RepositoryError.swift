/// Why a repository could not read or persist: the seam between storage failures and the
/// status codes clients get. Messages never contain token material.
public struct RepositoryError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// Another writer held the lock past the bound; retry shortly (503 + Retry-After).
        case busy
        /// The store is on a read-only filesystem: reads work, writes are refused.
        case readOnly
        /// No space or quota left; nothing was written.
        case full
        /// A durability failure (fsync) or a corrupt store: this process refuses writes.
        case failed
        /// The store's server (PostgreSQL) cannot be reached or did not answer within the
        /// bound, or the data directory cannot be read (its owner or modes); retry shortly
        /// (503 + Retry-After). Reads fail too: nothing is served stale.
        case unavailable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
