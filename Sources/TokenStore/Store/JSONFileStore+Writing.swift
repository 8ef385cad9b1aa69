#if canImport(Glibc)
import Glibc
#endif
import Logging
import TokenAudit
public import TokenCore
import TokenRecords

/// Writing: under both locks, catch up, append the transaction's lines in one `write`; then,
/// with no lock held, wait for a flush that covers them (``GroupCommit``) before answering.
extension JSONFileStore {
    /// The primitive under ``TokenRepository/write(_:_:)``: both locks, the state caught up
    /// with the files, and ``JournalStorage`` to append the transaction's changes. The locks are
    /// let go before the flush: the write returns (is acknowledged) only once an `fdatasync`
    /// that began after its append has returned. A compaction that came due runs after that.
    public func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T {
        var due: CompactionPlan?
        var ticket: GroupCommit.Ticket?
        let result = try rw.withWriteLock {
            if let failure { throw failure }
            if readOnly { throw RepositoryError(.readOnly, "the store is on a read-only filesystem: \(layout.directory)") }
            return try withStoreLock { othersWrote in
                failpoints.hit("lock.after-acquire")
                let storage = JournalStorage(store: self, othersWrote: othersWrote)
                let result = try work(&state, storage)
                ticket = storage.ticket
                if storage.appended { due = compactionPlanIfDue() }
                return result
            }
        }
        if let ticket {
            failpoints.hit("journal.after-append-before-flush")
            try groupCommit.waitUntilDurable(ticket) { target throws(StoreError) in try flush(target) }
            failpoints.hit("journal.after-sync")
        }
        if let due { compact(due) }
        return result
    }

    /// Runs `body` holding `tokens.lock` (call holding the in-process lock exclusively), with
    /// the state caught up. `body` learns whether another process touched the files since this
    /// one last did: when not (neither shared count moved), catching up costs no system call.
    /// The entry count is bumped on taking the lock and the change count before letting go, so
    /// a holder killed in between leaves them apart and the next holder refreshes and repairs.
    func withStoreLock<T>(timeoutMilliseconds: Int? = nil, _ body: (_ othersWrote: Bool) throws -> T) throws -> T {
        let timeout = timeoutMilliseconds ?? lockTimeoutMilliseconds
        do {
            guard try lock.acquire(timeoutMilliseconds: timeout) else {
                throw RepositoryError(.busy, "the store lock was held for more than \(timeout) ms")
            }
        } catch let error as StoreError {
            throw error.repositoryError
        }
        defer { lock.release() }
        let observed = (change: counters.changeCount, entries: counters.entryCount)
        let entered = counters.bumpEntries()
        var caughtUp = false
        defer {
            let after = counters.bumpChange()
            if caughtUp && counters.isShared {
                seenChange = after
                seenEntries = entered
            }
        }
        let othersWrote = !counters.isShared || observed.change != seenChange || observed.entries != seenEntries
            || snapshotIdentity == nil
        if othersWrote {
            do throws(StoreError) {
                try refresh(force: true)
                try verifyJournalPath()
                try repairTornTail()
            } catch {
                throw error.repositoryError
            }
        }
        counters.adopt(generation: generation, journalEnd: journalOffset)
        let result = try body(othersWrote)
        caughtUp = true
        return result
    }

    /// Persists a transaction on the JSON store: the audit events a CGI process left join it,
    /// every change becomes a journal line in one write, and its audit events are chained into
    /// `audit/` (still under the store lock). The flush comes after the locks are let go.
    private final class JournalStorage: TransactionStorage {
        let store: JSONFileStore
        let othersWrote: Bool
        private(set) var appended = false
        private(set) var ticket: GroupCommit.Ticket?

        init(store: JSONFileStore, othersWrote: Bool) {
            self.store = store
            self.othersWrote = othersWrote
        }

        func persist(_ state: inout StoreState) throws -> PersistOutcome {
            store.drainAuditSpill(into: &state)
            let changes = state.pendingChanges
            let (firstSeq, ticket, events) = try store.append(changes)
            self.ticket = ticket
            appended = true
            store.chainAuditEvents(events, firstSeq: firstSeq, othersWrote: othersWrote)
            return .persisted
        }
    }

    /// Appends the changes as journal lines in one write; on failure undoes the partial append
    /// (the transaction rolls back the state). Returns the first change's sequence number, the
    /// ticket to wait on for the flush, and the audit events to chain (each event's JSON written
    /// once, for its journal line, its seal and its chained line). Without shared counters (no
    /// other process could share a flush) it syncs here, under the lock, as before group commit.
    fileprivate func append(_ changes: [StoreChange]) throws -> (firstSeq: Int, ticket: GroupCommit.Ticket?, events: [AuditWriter.Entry]) {
        var bytes: [UInt8] = []
        var seq = lastSeq
        var auditBytes = 0
        var events: [AuditWriter.Entry] = []
        let auditKey = auditWriter?.key
        for change in changes {
            seq += 1
            if case .audit(let event) = change {
                let json = AuditEventCoding.bytes(event)
                let line = RecordCoding.auditJournalLine(eventJSON: json, seq: seq, auditKey: auditKey)
                auditBytes += line.count
                bytes += line
                events.append(AuditWriter.Entry(journalSeq: seq, event: event, json: json))
            } else {
                bytes += RecordCoding.journalLine(change, seq: seq, auditKey: auditKey)
            }
        }
        let path = layout.journal(generation: generation)
        do throws(StoreError) {
            try failpoints.check("journal.before-write", path: path)
            if failpoints.hit("journal.half-line") != nil {
                try FileIO.writeAll(journalFD, Array(bytes.prefix(bytes.count / 2)), path: path)
                _exit(137)
            }
            try FileIO.writeAll(journalFD, bytes, path: path)
            failpoints.hit("journal.after-write-before-sync")
        } catch {
            ftruncate(journalFD, off_t(journalOffset))
            logger.error("journal append failed; nothing was written", metadata: ["error": "\(error)"])
            throw error.repositoryError
        }
        var ticket: GroupCommit.Ticket?
        if counters.isShared, let journal {
            let end = SharedCounters.Position(epoch: counters.durable.epoch, offset: UInt64(journalOffset + bytes.count))
            ticket = GroupCommit.Ticket(position: end, journal: journal)
            groupCommit.appended(ticket!)
        } else {
            do throws(StoreError) {
                try failpoints.check("journal.sync", path: path)
                try FileIO.fdatasync(journalFD, path: path)
            } catch {
                // The lines were not acknowledged: take them back out of the file, best effort.
                ftruncate(journalFD, off_t(journalOffset))
                throw failed(error)
            }
        }
        journalOffset += bytes.count
        journalSeenSize = journalOffset
        auditJournalBytes += auditBytes
        let first = lastSeq + 1
        lastSeq = seq
        return (first, ticket, events)
    }

    /// Syncs the journal a ticket names (a ``GroupCommit`` flusher calls this with no lock
    /// held). On failure the store refuses writes from now on and the lines no flush covers
    /// are cut off, so that no reader anywhere keeps a change whose writer was told it failed.
    func flush(_ ticket: GroupCommit.Ticket) throws(StoreError) {
        do throws(StoreError) {
            try failpoints.check("journal.sync", path: ticket.journal.path)
            try FileIO.fdatasync(ticket.journal.fd, path: ticket.journal.path)
        } catch {
            rw.withWriteLock { _ = failed(error) }
            undoUnflushed(in: ticket)
            throw error
        }
    }

    /// An fsync failure is final for this process (PostgreSQL's lesson): no retry, no pretending.
    /// Call holding the in-process lock exclusively.
    func failed(_ error: StoreError) -> RepositoryError {
        let failure = RepositoryError(.failed, "\(error); this worker refuses writes until it is restarted")
        self.failure = failure
        logger.critical("store sync failed; refusing writes until restart", metadata: ["error": "\(error)"])
        return failure
    }

    /// After a failed flush: under both locks, cut the journal back to what a flush covered and
    /// start a new epoch marked undone, so every writer of the cut lines (in any process) is
    /// refused and every reader reloads. Nothing to do if a compaction moved on meanwhile.
    private func undoUnflushed(in ticket: GroupCommit.Ticket) {
        rw.withWriteLock {
            guard (try? lock.acquire(timeoutMilliseconds: lockTimeoutMilliseconds)) == true else { return }
            defer { lock.release() }
            counters.bumpEntries()
            defer { counters.bumpChange() }
            let durable = counters.durable
            guard durable.epoch == ticket.position.epoch else { return }
            ftruncate(ticket.journal.fd, off_t(durable.offset))
            counters.beginEpoch(durableTo: Int(durable.offset), undone: true)
            // Their audit lines go too: the chain names no write that is not in the journal.
            guard (try? reload()) != nil else { return }
            seenUndo = counters.undoMarker
            lastAuditJournalSeq = min(lastAuditJournalSeq, lastSeq)
            do {
                try auditWriter?.cutBack(afterJournalSeq: lastSeq)
            } catch {
                logger.error("could not remove the audit lines of the writes a failed flush undid", metadata: ["error": "\(error)"])
            }
        }
    }

    /// A torn last line (a writer died mid-append) is truncated before the next append. Call
    /// right after ``refresh()``, which measured the journal.
    func repairTornTail() throws(StoreError) {
        guard journalSeenSize > journalOffset else { return }
        let path = layout.journal(generation: generation)
        logger.warning("truncating a torn journal tail", metadata: ["path": "\(path)", "offset": "\(journalOffset)"])
        if ftruncate(journalFD, off_t(journalOffset)) != 0 { throw .syscall("ftruncate", path) }
        try FileIO.fdatasync(journalFD, path: path)
        journalSeenSize = journalOffset
    }

    /// The journal path must still name our descriptor; otherwise we would append to an unlinked file.
    func verifyJournalPath() throws(StoreError) {
        let onDisk = try FileIO.identity(ofPath: layout.journal(generation: generation))
        if onDisk == nil || onDisk != journalIdentity { try reload() }
    }
}
