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
    var stillActive: [TokenID]
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
        lines.append(["id", "owner", "name", "event", "time", "in_restored_store"].joined(separator: "\t"))
        var stillActive: [TokenID] = []
        for entry in entries {
            let token = before.token(entry.id) ?? now.token(entry.id)
            let owner = token.map { before.user($0.userID)?.username ?? String($0.userID.rawValue) } ?? "-"
            let state: String
            switch now.token(entry.id) {
            case nil: state = "absent"
            case let restoredToken? where restoredToken.revoked: state = "revoked"
            case _?:
                state = "active"
                stillActive.append(entry.id)
            }
            lines.append(
                [
                    String(entry.id.rawValue), ListTokens.printable(owner), ListTokens.printable(token?.name ?? "-"), entry.event.rawValue,
                    entry.time.iso8601, state,
                ].joined(separator: "\t"))
        }
        return RevokedSinceBackup(lines: lines, stillActive: stillActive, restored: restored)
    }

    /// Revokes ``stillActive`` in the restored store, in one audited write (actor `console`).
    func revokeAgain(in settings: Settings) throws -> [String] {
        guard !stillActive.isEmpty else { return ["nothing to revoke again"] }
        let issuer = TokenIssuer(secret: try restored.loadSecret(), random: .system, clock: Clock.system, settings: .default)
        let ids = stillActive
        let revoked = try restored.auditedWrite { state throws -> [String] in
            try ids.map { id in
                let name = state.token(id).map { ListTokens.printable($0.name) } ?? "-"
                try issuer.revoke(id, in: &state)
                return "revoked again: token \(id.rawValue) (\(name))"
            }
        }
        return revoked
    }
}
