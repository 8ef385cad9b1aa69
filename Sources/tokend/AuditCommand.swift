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
            tokend.instance. After every write, the chain's head (seq and MAC, nothing else) goes \
            to the audit witness outside the data directory (--audit-witness: syslog by default), \
            from where verify --head checks it.

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
            recorded in the snapshot. It then compares the chain with the store: every audit event \
            the journal holds must be a line of the chain, every token and user created since the \
            last compaction must have its creation line, and an event in the journal without the \
            store's seal (written by hand) is named, never chained. It prints where the chain starts \
            and ends, and exits 1 at the first edited, removed, inserted or reordered line, or at any \
            event the store holds and the chain lacks, naming each.

            Lines cut from the end after the last compaction, by someone who can also rewrite the \
            journal, or a whole data directory rolled back to an older copy, leave a chain that is \
            consistent in itself: --head SEQ:MAC checks it against a head the audit witness \
            (--audit-witness, syslog by default) recorded outside the data directory.

            First, unless --no-repair, it carries into the files any event that a crashed worker \
            left only in the journal (as the next write would), under the store lock: only events \
            the store sealed.

            With --store, it checks the rows of tokend.audit_events in seq order the same way, \
            from seq 1, and names the first bad row by its seq; --head applies to the rows.

            Examples:
              tokend audit verify --data /var/lib/tokend
              tokend audit verify --store postgres://tokend@db.internal:5432/tokend
              tokend audit verify --data /var/lib/tokend --head 4242:<mac from the log host>
            """
    )

    @OptionGroup var store: StoreOptions

    @Flag(help: "Only read: do not carry events from the journal first (for a copy or a read-only store).")
    var noRepair = false

    @Option(help: ArgumentHelp(
        "A head the audit witness recorded outside the data directory (a 'tokend audit head SEQ:MAC' line): the log must still hold line SEQ with that MAC.",
        valueName: "seq:mac"))
    var head: String?

    func validate() throws {
        if let head, Self.link(head) == nil {
            throw ValidationError("--head takes SEQ:MAC as the audit witness records it, e.g. 42:<64 hex digits>")
        }
    }

    /// `SEQ:MAC` (a positive number, 64 lowercase hex digits).
    static func link(_ text: String) -> AuditChain.Link? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 18, let seq = Int(parts[0]), seq > 0, parts[1].utf8.count == 64,
            parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        return AuditChain.Link(seq: seq, mac: String(parts[1]), journalSeq: 0)
    }

    func run() throws {
        let settings = try store.settings()
        let head = head.flatMap(Self.link)
        if let location = settings.postgres {
            // The rows are written in their change's transaction: nothing to carry over first.
            let report = try PostgresStore(location: location, logger: settings.logger("tokend")).verifyAudit(head: head)
            print("rows \(report.rows) in tokend.audit_events")
            if let last = report.last { print("chain seq 1 … \(last.seq), last change \(last.journalSeq)") }
            if let head, report.failure == nil { print("the recorded head seq \(head.seq) is in the chain") }
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
        let report = try AuditVerification.verify(directory: settings.data, head: head)
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
        for finding in report.storeFindings { print("journal: \(finding)") }
        if report.storeFindingCount > report.storeFindings.count {
            print("journal: … \(report.storeFindingCount - report.storeFindings.count) more")
        }
        if let head, report.failure == nil {
            print(head.seq >= report.startSeq
                ? "the recorded head seq \(head.seq) is in the chain"
                : "the recorded head seq \(head.seq) is before the retained chain (removed by retention): not checked")
        }
        if let failure = report.failure {
            print("BROKEN at \(failure)")
            throw ExitCode(1)
        }
        print("ok: the chain is intact")
    }
}
