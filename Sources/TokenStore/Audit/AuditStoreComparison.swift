import JSON
import TokenAudit
import TokenCore
import TokenRecords

/// What the chain must agree with in the store itself, beyond its own links: a chain alone
/// cannot show that lines were cut from its end, but the journal still holds every event since
/// the last compaction, and every record created since then must have its creation line.
///
/// Compared, for the current journal (the changes after the snapshot):
/// - every audit event the journal holds (sealed by the store, ``AuditJournalSeal``) is a line of
///   the chain with that `jseq` and the same event; one the chain lacks is named;
/// - an audit event without a valid seal was not written by the store: named, never chained;
/// - every chain line of a change in the journal's range has its record in the journal;
/// - every token created in the journal (an id the snapshot had not allocated) is named by a
///   `token_created` or `token_rotated` line, and every (non-bot) user by a `user_created` line.
///
/// Before the journal, the snapshot's stamp (``AuditVerification``) and the chain's links
/// speak; beyond the newest head, only a witness outside the data directory can.
struct AuditStoreComparison {
    /// What the chain told about the journal's range while it was verified.
    struct Chain {
        /// Events of the lines whose `jseq` is past the snapshot, by `jseq`, as bytes.
        var events: [Int: [UInt8]] = [:]
        var createdTokens = Set<Int>()
        var createdUsers = Set<Int>()
        /// The `jseq` of the first retained line when retention removed older files (journal
        /// records before it predate the retained chain), else 0.
        var firstRetainedJournalSeq = 0

        mutating func add(_ line: AuditChain.ParsedLine, journalFloor: Int) {
            if line.journalSeq > journalFloor { events[line.journalSeq] = AuditEventCoding.bytes(line.event) }
            switch line.event.name {
            case .tokenCreated, .tokenRotated: if let token = line.event.token { createdTokens.insert(token.id.rawValue) }
            case .userCreated: if let id = line.event.target.id { createdUsers.insert(id) }
            default: break
            }
        }
    }

    /// Most findings kept to print; all are counted.
    static let keptFindings = 20

    let header: RecordCoding.SnapshotHeader
    let key: AuditChain.Key
    var findings: [String] = []
    var count = 0

    private mutating func note(_ finding: String) {
        count += 1
        if findings.count < Self.keptFindings { findings.append(finding) }
    }

    /// Compares `chain` with the journal at `path`.
    mutating func compare(journal path: String, with chain: Chain) throws(StoreError) {
        let bytes = FileIO.exists(path) ? try FileIO.readAll(path) : []
        var journalAudit = Set<Int>()
        var seenTokens = Set<Int>()
        var seenUsers = Set<Int>()
        var lastSeq = header.lastSeq
        var start = 0
        var number = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            number += 1
            defer { start = newline + 1 }
            let value: JSONValue
            let seq: Int
            let change: StoreChange
            do {
                value = try JSONParser.parse(bytes[start..<newline])
                (seq, change) = try RecordCoding.decodeJournalLine(value)
            } catch {
                throw .corrupt(path, line: number, offset: start, "\(error)")
            }
            lastSeq = max(lastSeq, seq)
            let retained = seq >= chain.firstRetainedJournalSeq
            switch change {
            case .audit(let event):
                journalAudit.insert(seq)
                guard retained else { continue }
                let sealed = AuditJournalSeal.isSealed(value, event: event, seq: seq, key: key)
                if let line = chain.events[seq] {
                    if line != AuditEventCoding.bytes(event) {
                        note("the chain's line for journal seq \(seq) is not the journal's event (\(Self.describe(event)))")
                    }
                } else if sealed {
                    note("the chain lacks the event of journal seq \(seq): \(Self.describe(event))")
                } else {
                    note("journal seq \(seq) holds an audit event with no valid seal, which this store did not write: \(Self.describe(event)); it was not chained")
                }
            case .putToken(let token):
                let id = token.id.rawValue
                guard id >= header.nextTokenID, seenTokens.insert(id).inserted, retained, !chain.createdTokens.contains(id) else { continue }
                note("token \(id) (journal seq \(seq)) exists, but no token_created or token_rotated line names it")
            case .putUser(let user):
                let id = user.id.rawValue
                guard !user.isBot, id >= header.nextUserID, seenUsers.insert(id).inserted, retained, !chain.createdUsers.contains(id)
                else { continue }
                note("user \(id) (journal seq \(seq)) exists, but no user_created line names it")
            default: continue
            }
        }
        for jseq in chain.events.keys.sorted() where !journalAudit.contains(jseq) {
            note(jseq <= lastSeq
                ? "the chain's line for journal seq \(jseq) has no audit record in the journal: the journal was edited"
                : "the chain's line for journal seq \(jseq) is past the journal's end (seq \(lastSeq)): the journal was cut")
        }
    }

    static func describe(_ event: AuditEvent) -> String {
        var text = "\(event.name.rawValue) at \(event.time.iso8601), \(event.target.type)"
        if let id = event.target.id { text += " \(id)" }
        return text
    }
}
