import Testing
import TokenCore

/// The tokens a run of audit events revoked, for a restore: revocations, the token a rotation
/// replaced, the family reuse detection revoked, each once.
struct RevokedTokensTests {
    static func event(_ name: AuditEvent.Name, token: Int? = nil, related: [Int] = [], at ms: Int64) -> AuditEvent {
        AuditEvent(
            name: name, time: Timestamp(millisecondsSinceEpoch: ms), actor: .console, entity: AuditEntity(.user, 1), target: AuditTarget(type: "User", id: 1, details: "root"),
            token: token.map { AuditTokenReference(id: TokenID($0), kind: .personal) }, relatedTokens: related.map { TokenID($0) })
    }

    @Test func revocationsRotationsAndReuseEachOnce() {
        let events = [
            Self.event(.tokenCreated, token: 9, at: 1),
            Self.event(.tokenRevoked, token: 3, at: 2),
            Self.event(.tokenRotated, token: 10, related: [4], at: 3),
            Self.event(.tokenReuseDetected, token: 4, related: [10, 3], at: 4),
            Self.event(.adminTokenRevoked, token: 5, at: 5),
            Self.event(.authenticationFailed, token: 6, at: 6),
        ]
        let entries = RevokedTokens.revoked(by: events)
        #expect(entries.map(\.credential) == [3, 4, 10, 5].map { .token(TokenID($0)) })
        #expect(entries.map(\.event) == [.tokenRevoked, .tokenRotated, .tokenReuseDetected, .adminTokenRevoked])
        #expect(entries.first?.time == Timestamp(millisecondsSinceEpoch: 2))
    }

    @Test func deployTokensRevokedOrDeletedAreCountedApart() {
        func deployEvent(_ name: AuditEvent.Name, _ id: Int, at ms: Int64) -> AuditEvent {
            AuditEvent(
                name: name, time: Timestamp(millisecondsSinceEpoch: ms), actor: .console, entity: AuditEntity(.project, 7),
                target: AuditTarget(type: AuditTarget.deployTokenType, id: id, details: "deployer"))
        }
        let events = [
            Self.event(.tokenRevoked, token: 3, at: 1),
            deployEvent(.deployTokenCreated, 4, at: 2),
            deployEvent(.deployTokenRevoked, 3, at: 3),
            deployEvent(.deployTokenDestroyed, 3, at: 4),
            deployEvent(.deployTokenDestroyed, 5, at: 5),
        ]
        #expect(RevokedTokens.revoked(by: events).map(\.credential) == [.token(TokenID(3)), .deployToken(DeployTokenID(3)), .deployToken(DeployTokenID(5))])
    }
}
