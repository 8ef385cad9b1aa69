/// The tokens that a run of audit events revoked: revocations (by their owner, an admin or the
/// console), the tokens that rotations replaced, the families that reuse detection revoked, and
/// deploy tokens revoked or deleted. A restore brings these back as they were at the backup, so
/// they must be revoked again.
public enum RevokedTokens {
    /// Which token: an access token (personal, impersonation, a bot's) or a deploy token, whose
    /// ids are counted apart.
    public enum Credential: Hashable, Sendable {
        case token(TokenID)
        case deployToken(DeployTokenID)
    }

    /// A token the events revoked: the first event that did, and when.
    public struct Entry: Hashable, Sendable {
        public var credential: Credential
        public var event: AuditEvent.Name
        public var time: Timestamp
    }

    /// Each token the events revoked, once, in the order of the events.
    public static func revoked(by events: [AuditEvent]) -> [Entry] {
        var seen = Set<Credential>()
        var entries: [Entry] = []
        for event in events {
            let credentials: [Credential]
            switch event.name {
            case .tokenRevoked, .adminTokenRevoked: credentials = event.token.map { [.token($0.id)] } ?? []
            case .tokenRotated, .tokenReuseDetected: credentials = event.relatedTokens.map { .token($0) }
            case .deployTokenRevoked, .deployTokenDestroyed:
                credentials = event.target.type == AuditTarget.deployTokenType ? event.target.id.map { [.deployToken(DeployTokenID($0))] } ?? [] : []
            default: credentials = []
            }
            for credential in credentials where seen.insert(credential).inserted {
                entries.append(Entry(credential: credential, event: event.name, time: event.time))
            }
        }
        return entries
    }
}
