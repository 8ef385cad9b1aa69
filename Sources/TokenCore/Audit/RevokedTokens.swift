/// The tokens that a run of audit events revoked: revocations (by their owner, an admin or the
/// console), the tokens that rotations replaced, and the families that reuse detection revoked.
/// A restore brings these back as they were at the backup, so they must be revoked again.
/// Deploy tokens are not among them (their ids are of another kind).
public enum RevokedTokens {
    /// A token the events revoked: the first event that did, and when.
    public struct Entry: Hashable, Sendable {
        public var id: TokenID
        public var event: AuditEvent.Name
        public var time: Timestamp
    }

    /// Each token the events revoked, once, in the order of the events.
    public static func revoked(by events: [AuditEvent]) -> [Entry] {
        var seen = Set<TokenID>()
        var entries: [Entry] = []
        for event in events {
            let ids: [TokenID]
            switch event.name {
            case .tokenRevoked, .adminTokenRevoked: ids = event.token.map { [$0.id] } ?? []
            case .tokenRotated, .tokenReuseDetected: ids = event.relatedTokens
            default: ids = []
            }
            for id in ids where seen.insert(id).inserted {
                entries.append(Entry(id: id, event: event.name, time: event.time))
            }
        }
        return entries
    }
}
