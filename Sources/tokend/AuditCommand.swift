import ArgumentParser
import PostgresStore
import TokenAudit
import TokenStore
import TokendSettings

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the tamper-evident audit log.",
        discussion: """
            Every token created, rotated or revoked, every reuse detected, failed authentication, \
            admin token lookup, user and member change is one JSON line in audit/, written by the \
            same transaction as the change and chained with HMAC-SHA256 under audit.key. The \
            audit events API (GET /api/v4/audit_events) reads the same lines. On PostgreSQL \
            (--store) the lines are rows of tokend.audit_events, chained under the key in \
            tokend.instance.

            Example:
              tokend audit verify --data /var/lib/tokend
            """,
        subcommands: [VerifyAudit.self]
    )
}

struct VerifyAudit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the audit log's HMAC chain; name the first bad line.",
        discussion: """
            Every line of audit/ carries an HMAC (under audit.key) over its content and the MAC of \
            the line before. verify reads the files oldest first and checks that the chain starts \
            where retention left it (audit/anchor.json), that every seq follows the one before, that \
            every prev and MAC is right, and that the log still reaches the line the last compaction \
            recorded in the snapshot. It prints where the retained chain starts and ends, and exits \
            1 at the first edited, removed, inserted or reordered line, naming its file and line.

            First, unless --no-repair, it carries into the files any event that a crashed worker \
            left only in the journal (as the next write would), under the store lock.

            With --store, it checks the rows of tokend.audit_events in seq order the same way, \
            from seq 1, and names the first bad row by its seq.

            Examples:
              tokend audit verify --data /var/lib/tokend
              tokend audit verify --store postgres://tokend@db.internal:5432/tokend
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(help: "Only read: do not carry events from the journal first (for a copy or a read-only store).")
    var noRepair = false

    func run() throws {
        let settings = try store.settings()
        if let location = settings.postgres {
            // The rows are written in their change's transaction: nothing to carry over first.
            let report = try PostgresStore(location: location, logger: settings.logger("tokend")).verifyAudit()
            print("rows \(report.rows) in tokend.audit_events")
            if let last = report.last { print("chain seq 1 … \(last.seq), last change \(last.journalSeq)") }
            if let failure = report.failure {
                print("BROKEN at \(failure)")
                throw ExitCode(1)
            }
            print("ok: the chain is intact")
            return
        }
        if !noRepair {
            _ = try settings.openDirectory(loading: .onDemand).repairAudit()
        }
        let report = try AuditVerification.verify(directory: settings.data)
        let files = report.files.isEmpty ? "none" : "\(report.files.first!) … \(report.files.last!)"
        print("files \(report.files.count) (\(files))")
        if report.startSeq == 1 {
            print("chain starts at seq 1 (the first line ever written)")
        } else {
            print("chain starts at seq \(report.startSeq), after seq \(report.startSeq - 1) (prev \(report.startPrev)); older files were removed by retention")
        }
        if report.skippedBeforeAnchor > 0 { print("skipped \(report.skippedBeforeAnchor) lines before the anchor (an interrupted retention)") }
        print("lines \(report.lines), last seq \(report.lastSeq)")
        if let tail = report.snapshotTail { print("snapshot recorded the chain at seq \(tail.seq)") }
        if let failure = report.failure {
            print("BROKEN at \(failure)")
            throw ExitCode(1)
        }
        print("ok: the chain is intact")
    }
}
