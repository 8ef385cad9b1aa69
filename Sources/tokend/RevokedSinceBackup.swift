import Foundation
import TokenCore
import TokenStore
import TokendSettings

/// What a restored store cannot know: the tokens revoked or rotated after its backup was taken,
/// found in the audit chain of the store moved aside (the events after the backup's last one),
/// named from that store and checked against the restored one. Never a token's value.
struct RevokedSinceBackup {
    /// The report, as printed.
    var lines: [String]
    /// The tokens the events revoked that the restored store holds as active.
    var stillActive: [RevokedTokens.Credential]
    /// The restored store.
    var restored: any AdminStore

    /// Reads the chain of `aside` after `backupHead` (the backup's last line). When the chain
    /// does not continue the backup's (another store's backup, or the lines were lost), every
    /// revocation in it is listed, so that none is missed.
    static func find(aside: String, backupHead: AuditTail.Line?, settings: Settings) throws -> RevokedSinceBackup {
        // Run as root, this becomes the data directory's owner: every root-only step is done.
        let restored = try settings.openStore()
        var lines: [String] = []
        var after = try AuditTail.lines(in: aside, from: backupHead?.seq ?? 1)
        if let head = backupHead {
            if let first = after.first, first.seq == head.seq, first.mac == head.mac {
                after.removeFirst()
            } else {
                lines.append("warning: the audit chain of \(aside) does not continue the backup's (seq \(head.seq)): listing every revocation in it")
                after = try AuditTail.lines(in: aside)
            }
        }
        let entries = RevokedTokens.revoked(by: after.map(\.event))
        guard !entries.isEmpty else {
            lines.append("no token was revoked or rotated after the backup was taken (audit chain of \(aside))")
            return RevokedSinceBackup(lines: lines, stillActive: [], restored: restored)
        }
        let before = try JSONFileStore(directory: aside, allowNetworkFilesystem: true, loading: .eager, logger: settings.logger("tokend"))
            .currentState()
        let now = try restored.currentState()
        lines.append("tokens revoked or rotated after the backup was taken (audit chain of \(aside)): \(entries.count)")
        lines.append(["id", "type", "owner", "name", "event", "time", "in_restored_store"].joined(separator: "\t"))
        var stillActive: [RevokedTokens.Credential] = []
        for entry in entries {
            let found = Found(entry.credential, before: before, now: now)
            if found.state == "active" { stillActive.append(entry.credential) }
            lines.append(
                [
                    found.id, found.type, ListTokens.printable(found.owner), ListTokens.printable(found.name), entry.event.rawValue,
                    entry.time.iso8601, found.state,
                ].joined(separator: "\t"))
        }
        return RevokedSinceBackup(lines: lines, stillActive: stillActive, restored: restored)
    }

    /// A listed token as the two stores know it: named from the store moved aside (else the
    /// restored one), its state from the restored store.
    struct Found {
        var id: String
        var type: String
        /// The owner's username, or the deploy token's project or group path.
        var owner = "-"
        var name = "-"
        /// `active`, `revoked` or `absent`, in the restored store.
        var state = "absent"

        init(_ credential: RevokedTokens.Credential, before: borrowing StoreState, now: borrowing StoreState) {
            switch credential {
            case .token(let id):
                self.id = String(id.rawValue)
                type = "token"
                if let token = before.token(id) ?? now.token(id) {
                    owner = before.user(token.userID)?.username ?? String(token.userID.rawValue)
                    name = token.name
                }
                if let restored = now.token(id) { state = restored.revoked ? "revoked" : "active" }
            case .deployToken(let id):
                self.id = String(id.rawValue)
                type = "deploy_token"
                if let token = before.deployTokens.token(id) ?? now.deployTokens.token(id) {
                    owner = before.resources.fullPath(of: token.resource) ?? now.resources.fullPath(of: token.resource) ?? "-"
                    name = token.name
                }
                if let restored = now.deployTokens.token(id) { state = restored.revoked ? "revoked" : "active" }
            }
        }
    }

    /// The command that revokes a listed token by hand.
    static func revokeCommand(_ credential: RevokedTokens.Credential, data: String) -> String {
        switch credential {
        case .token(let id): "tokend token revoke --data \(data) --id \(id.rawValue)"
        case .deployToken(let id): "tokend deploy-token delete --data \(data) --id \(id.rawValue)"
        }
    }

    /// Revokes ``stillActive`` in the restored store, in one audited write (actor `console`).
    func revokeAgain(in settings: Settings) throws -> [String] {
        guard !stillActive.isEmpty else { return ["nothing to revoke again"] }
        let issuer = TokenIssuer(secret: try restored.loadSecret(), random: .system, clock: Clock.system, settings: .default)
        let credentials = stillActive
        let revoked = try restored.auditedWrite { state throws -> [String] in
            try credentials.map { credential in
                switch credential {
                case .token(let id):
                    let name = state.token(id).map { ListTokens.printable($0.name) } ?? "-"
                    try issuer.revoke(id, in: &state)
                    return "revoked again: token \(id.rawValue) (\(name))"
                case .deployToken(let id):
                    guard let token = state.deployTokens.token(id) else { return "deploy token \(id.rawValue) is gone" }
                    DeployTokenService.revoke(token, in: &state)
                    return "revoked again: deploy token \(id.rawValue) (\(ListTokens.printable(token.name)))"
                }
            }
        }
        return revoked
    }
}
