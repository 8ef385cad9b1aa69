#if canImport(Glibc)
import Glibc
#endif
import JSON
import Logging
public import TokenAudit
public import TokenCore
import TokenRecords

/// The file store's audit log: the events of a write travel in its journal append (one
/// `fdatasync` with the change, so an acknowledged change always has them and a rolled-back one
/// never does), and are then chained into the audit files under the same lock. The audit files
/// are derived: whatever a crash kept out of them is carried from the journal by the next
/// writer, at start-up, by `tokend audit verify`, and always before a compaction drops a
/// journal (``prepareAuditForCompaction()``).
extension JSONFileStore {
    /// Call under both locks, right after the journal lines holding `entries` (the first
    /// journal line of the append numbered `firstSeq`) were appended. Failure is logged, not
    /// thrown: the events wait in the journal. The audit files are caught up first only when
    /// another process may have appended (`othersWrote`): otherwise this process's view of them
    /// is exact.
    func chainAuditEvents(_ entries: [AuditWriter.Entry], firstSeq: Int, othersWrote: Bool) {
        guard !entries.isEmpty, let writer = auditWriter else { return }
        do {
            if othersWrote || !writer.isOpen { try writer.catchUp() }
            try carryAuditEvents(before: firstSeq)
            try writer.append(entries)
        } catch {
            logger.error("could not append to the audit files; the events wait in the journal", metadata: ["error": "\(error)"])
        }
        lastAuditJournalSeq = max(lastAuditJournalSeq, entries.last!.journalSeq)
    }

    /// Appends the journal's audit events (below `limit`) that the audit files lack: those of a
    /// writer that died between its journal sync and its audit append. Call under both locks.
    func carryAuditEvents(before limit: Int = .max) throws(StoreError) {
        guard let writer = auditWriter, lastAuditJournalSeq > writer.tail.journalSeq else { return }
        // The journal holds events past this process's view of the audit files. Another process
        // may have chained them already: a write without events of its own (a token's last use)
        // caught the state up from the journal, events included, without reading the audit
        // files, and the next write then saw no other writer. So the files are read again
        // first: carrying from a stale tail would chain those events a second time.
        try writer.catchUp()
        guard lastAuditJournalSeq > writer.tail.journalSeq else { return }
        let path = layout.journal(generation: generation)
        let bytes = try FileIO.pread(journalFD, offset: 0, count: journalOffset, path: path)
        var entries: [AuditWriter.Entry] = []
        var unsealed: [Int] = []
        var start = 0
        var line = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            line += 1
            defer { start = newline + 1 }
            let slice = bytes[start..<newline]
            guard let seq = FastRecordDecoder.journalAuditSeq(slice), seq > writer.tail.journalSeq, seq < limit else { continue }
            do {
                let value = try JSONParser.parse(slice)
                guard case .audit(let event) = try RecordCoding.decodeJournalLine(value).change else { continue }
                // Only what this store wrote is signed into the chain (``AuditJournalSeal``).
                guard AuditJournalSeal.isSealed(value, event: event, seq: seq, key: writer.key) else {
                    unsealed.append(seq)
                    continue
                }
                entries.append(AuditWriter.Entry(journalSeq: seq, event: event))
            } catch {
                throw .corrupt(path, line: line, offset: start, "\(error)")
            }
        }
        try writer.append(entries)
        if !entries.isEmpty {
            logger.warning("carried audit events from the journal into the audit files", metadata: ["events": "\(entries.count)"])
        }
        if !unsealed.isEmpty {
            logger.error(
                "the journal holds audit events without the store's seal (written by hand?); they were not chained: run `tokend audit verify`",
                metadata: ["journal_seqs": "\(unsealed.prefix(20).map(String.init).joined(separator: ","))"])
        }
        lastAuditJournalSeq = writer.tail.journalSeq
    }

    /// Before a journal is dropped: every audit event in it is in the audit files, synced.
    func prepareAuditForCompaction() throws(StoreError) {
        guard let writer = auditWriter else { return }
        try writer.catchUp()
        try carryAuditEvents()
        try writer.sync()
    }

    /// Catches the audit files up with the journal and syncs them (`tokend audit verify` does
    /// this first); returns the chain's newest line.
    public func repairAudit() throws -> AuditChain.Link {
        try withCurrentStoreLocked {
            try prepareAuditForCompaction()
            return auditWriter?.tail ?? .start
        }
    }

    /// Moves failed authentications that CGI processes left in the spill file into this
    /// transaction (aggregated, bounded). Best effort: a line appended while the file is being
    /// taken may be lost.
    func drainAuditSpill(into state: inout StoreState) {
        let path = layout.auditSpill
        if counters.isShared {
            // CGI processes bump the spill count after appending: no look at the file without one.
            let spill = counters.spillCount
            guard spill != seenSpill else { return }
            seenSpill = spill
        }
        guard FileIO.exists(path) else { return }
        let taken = path + ".\(getpid()).draining"
        guard rename(path, taken) == 0 else { return }
        defer { unlink(taken) }
        guard let fd = try? FileIO.open(taken, O_RDONLY),
            let bytes = try? FileIO.pread(fd, offset: 0, count: AuditSpill.maximumBytes + AuditSpill.maximumLineBytes, path: taken)
        else { return }
        close(fd)
        var events: [AuditEvent] = []
        var refused = 0
        for line in bytes.split(separator: 0x0A) {
            guard line.count <= AuditSpill.maximumLineBytes, let value = try? JSONParser.parse(line),
                let event = try? AuditEventCoding.decode(value), FailedAuthentication.isFailedAuthentication(event)
            else {
                refused += 1
                continue
            }
            events.append(event)
        }
        if refused > 0 {
            logger.error("refused lines of the failed-authentication spill file that no failed authentication writes", metadata: ["lines": "\(refused)"])
        }
        for event in FailedAuthentication.aggregate(events, limit: FailedAuthentication.eventsPerFlush) { state.recordAudit(event) }
    }

    /// At start-up, under the lock: carry what a crash left in the journal only.
    func repairAuditAtStart() {
        guard auditWriter != nil else { return }
        do {
            try prepareAuditForCompaction()
        } catch {
            logger.error("the audit files could not be brought up to date", metadata: ["error": "\(error)"])
        }
    }
}

/// Where CGI processes leave failed authentications: one line each, appended without a lock and
/// without a sync (a process serves one request and cannot batch), up to a bound; the next
/// write of any process carries them into the chain.
public enum AuditSpill {
    /// The spill stops growing here (about a thousand events).
    public static let maximumBytes = 256 << 10
    /// One event's line at most (a token name of 1,000 four-byte characters and the rest).
    public static let maximumLineBytes = 8 << 10

    public static func append(_ events: [AuditEvent], layout: StoreLayout) {
        guard !events.isEmpty, let fd = try? FileIO.open(layout.auditSpill, O_WRONLY | O_APPEND | O_CREAT, mode: 0o600) else { return }
        defer { close(fd) }
        guard let size = try? FileIO.fileSize(fd, path: layout.auditSpill), size < maximumBytes else { return }
        var bytes: [UInt8] = []
        for event in events { bytes += AuditEventCoding.bytes(event) + [0x0A] }
        try? FileIO.writeAll(fd, bytes, path: layout.auditSpill)
        SharedCounters(path: layout.sharedCounters, readOnly: false).noteSpill()
    }
}
