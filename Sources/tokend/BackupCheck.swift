import Foundation
import TokenAudit
import TokenStore
import TokendSettings

/// A backup checked before a restore touches anything, as `tokend store check` and
/// `tokend audit verify --no-repair` check a store: its modes and leftovers, every record, its
/// secret, and its audit chain.
enum BackupCheck {
    /// Checks `backup`; returns the last line of its audit chain (nil when it has none). Throws,
    /// naming what is wrong and that nothing was changed.
    static func verify(_ backup: String, settings: Settings) throws -> AuditTail.Line? {
        func refuse(_ why: String) -> CommandError {
            CommandError("the backup \(backup) does not pass the checks, so nothing was changed: \(why)")
        }
        guard FileManager.default.fileExists(atPath: StoreLayout(directory: backup).snapshot) else {
            throw refuse("it holds no store (no tokens.snapshot.jsonl)")
        }
        let status: JSONFileStore.Status
        do {
            let copy = try JSONFileStore(directory: backup, allowNetworkFilesystem: true, logger: settings.logger("tokend"))
            status = try copy.status()
            _ = try StoreSetup.loadSecret(directory: backup)
        } catch {
            throw refuse("\(error)")
        }
        let problems = StoreVerification.problems(in: backup)
        guard problems.isEmpty else { throw refuse(problems.joined(separator: "; ")) }
        guard FileManager.default.fileExists(atPath: StoreLayout(directory: backup).auditKey) else {
            print("the backup passes the store check (generation \(status.generation), \(status.tokens) tokens); it has no audit chain")
            return nil
        }
        let report: AuditVerification.Report
        do {
            report = try AuditVerification.verify(directory: backup)
        } catch {
            throw refuse("audit verify: \(error)")
        }
        if let failure = report.failure { throw refuse("audit verify: BROKEN at \(failure)") }
        print(
            "the backup passes the store check (generation \(status.generation), last_seq \(status.lastSeq), \(status.tokens) tokens) "
                + "and audit verify (last seq \(report.lastSeq))")
        return report.lastSeq > 0 ? try AuditTail.lines(in: backup, from: report.lastSeq).last : nil
    }
}
