#if canImport(Glibc)
import Glibc
#endif
import JSON
import Logging
import TokenAudit
import TokenCore
import TokenRecords

/// Compaction: the journal folded into a new snapshot generation, written outside the store
/// lock (Redis's AOF rewrite, shared/store.md §8).
///
/// 1. Under the locks, at the end of a write: a copy of the state (copy-on-write, so free
///    until the next write) with its sequence number S and journal offset.
/// 2. Without them: the snapshot of that copy, to a temp file, fsynced.
/// 3. Under the locks again, briefly: catch up; if another process compacted meanwhile, give
///    up; otherwise copy the journal lines after S into the next generation's journal, fsync
///    it, rename the temp file over the snapshot, fsync the directory, unlink the old journal.
///
/// A crash at any point leaves the old pair (snapshot G, journal G) or the new one (G+1, with
/// every line after S); the other generation's files are swept at start-up.
extension JSONFileStore {
    /// A compaction prepared under the locks (step 1).
    struct CompactionPlan {
        var state: StoreState
        var generation: Int
        var lastSeq: Int
        /// The journal bytes `state` includes.
        var journalOffset: Int
        /// The audit chain's newest line then, stamped into the snapshot header.
        var auditTail: AuditChain.Link?
        let lock: CompactionLock
    }

    /// The journal size beyond which a write compacts (counting record lines only: audit lines
    /// are carried into `audit/`, not into the snapshot, and once doubled the compaction rate).
    var compactionFloor: Int {
        compactionThreshold < 4 << 20 ? compactionThreshold : max(compactionThreshold, snapshotSize / 4)
    }

    /// Call under both locks after a write: a plan when the journal is due for compaction and
    /// no other compaction runs.
    func compactionPlanIfDue() -> CompactionPlan? {
        guard journalOffset - auditJournalBytes > compactionFloor, let lock = try? CompactionLock(directory: layout.directory) else { return nil }
        return plan(holding: lock)
    }

    /// Call under both locks.
    func plan(holding lock: CompactionLock) -> CompactionPlan {
        CompactionPlan(
            state: state, generation: generation, lastSeq: lastSeq, journalOffset: journalOffset, auditTail: auditWriter?.tail, lock: lock)
    }

    /// Steps 2 and 3; call holding no lock. Failure only leaves the journal growing until the
    /// next attempt.
    func compact(_ plan: CompactionPlan) {
        do {
            try run(plan)
        } catch {
            logger.error("compaction failed; the journal keeps growing until it succeeds", metadata: ["error": "\(error)"])
        }
    }

    /// Steps 2 and 3; true when this plan's generation was installed, false when another
    /// process compacted first.
    @discardableResult
    func run(_ plan: CompactionPlan) throws -> Bool {
        let bytes = Self.snapshotBytes(of: plan.state, generation: plan.generation + 1, lastSeq: plan.lastSeq, auditTail: plan.auditTail)
        let temp = try DurableFile.prepare(for: layout.snapshot, with: bytes, directory: layout.directory)
        var installed = false
        defer { if !installed { unlink(temp) } }
        failpoints.hit("compaction.before-swap")
        try rw.withWriteLock {
            try withStoreLock { _ in try swapIn(plan, temp: temp, snapshotSize: bytes.count, installed: &installed) }
        }
        return installed
    }

    /// Step 3, holding both locks and caught up.
    private func swapIn(_ plan: CompactionPlan, temp: String, snapshotSize: Int, installed: inout Bool) throws {
        guard generation == plan.generation, journalOffset >= plan.journalOffset else { return }
        try prepareAuditForCompaction()
        let tail = try FileIO.pread(
            journalFD, offset: plan.journalOffset, count: journalOffset - plan.journalOffset,
            path: layout.journal(generation: generation))
        installed = true
        try install(temp, snapshotSize: snapshotSize, tail: tail)
    }

    /// Step 3 under the locks: the next generation's journal holds `tail`, then the temp file
    /// becomes the snapshot.
    private func install(_ temp: String, snapshotSize size: Int, tail: [UInt8]) throws(StoreError) {
        let next = generation + 1
        let newJournal = layout.journal(generation: next)
        let newFD = try FileIO.open(newJournal, O_RDWR | O_APPEND | O_CREAT | O_TRUNC, mode: 0o600)
        do throws(StoreError) {
            fchmod(newFD, 0o600)
            try FileIO.writeAll(newFD, tail, path: newJournal)
            try FileIO.fsync(newFD, path: newJournal)
            try DurableFile.install(temp, at: layout.snapshot, failpoints: failpoints)
        } catch {
            close(newFD)
            unlink(newJournal)
            unlink(temp)
            throw error
        }
        // The new generation is live from here on: adopt it, whatever fails next.
        let oldJournal = layout.journal(generation: generation)
        journal = JournalFile(fd: newFD, path: newJournal)
        journalIdentity = try? FileIO.identity(ofDescriptor: newFD, path: newJournal)
        generation = next
        journalOffset = tail.count
        auditJournalBytes = Self.auditBytes(in: tail)
        journalSeenSize = tail.count
        snapshotSize = size
        let pinned = try FileIO.open(layout.snapshot, O_RDONLY)
        if snapshotFD >= 0 { close(snapshotFD) }
        snapshotFD = pinned
        snapshotIdentity = try FileIO.identity(ofDescriptor: pinned, path: layout.snapshot)
        try FileIO.fsyncDirectory(layout.directory)
        // Everything appended to the old journal is now in the synced snapshot or new journal:
        // writers still waiting for a flush of it are covered.
        counters.beginEpoch(durableTo: tail.count, generation: next)
        failpoints.hit("compaction.before-unlink")
        unlink(oldJournal)
        try FileIO.fsyncDirectory(layout.directory)
        logger.info(
            "compacted the store",
            metadata: ["generation": "\(next)", "records": "\(state.users.count + state.tokens.count)", "carried_bytes": "\(tail.count)"])
    }

    /// The bytes of audit lines among complete journal lines.
    static func auditBytes(in lines: [UInt8]) -> Int {
        var total = 0
        var start = 0
        while let newline = lines[start...].firstIndex(of: 0x0A) {
            if FastRecordDecoder.journalAuditSeq(lines[start..<newline]) != nil { total += newline + 1 - start }
            start = newline + 1
        }
        return total
    }

    /// Writes a new snapshot generation from the current state with the store lock held (and
    /// the compaction lock, taken first): for bulk loads, where nothing else may run meanwhile.
    func compactLocked(holding _: CompactionLock) throws(StoreError) {
        try prepareAuditForCompaction()
        let bytes = Self.snapshotBytes(of: state, generation: generation + 1, lastSeq: lastSeq, auditTail: auditWriter?.tail)
        let temp = try DurableFile.prepare(for: layout.snapshot, with: bytes, directory: layout.directory)
        try install(temp, snapshotSize: bytes.count, tail: [])
    }

    /// Compacts now (`tokend store compact`), the way a write does: the snapshot is written
    /// while other processes go on writing.
    public func compact() throws {
        for _ in 0..<3 {
            guard let lock = try CompactionLock(directory: layout.directory, timeoutMilliseconds: 60_000) else {
                throw RepositoryError(.busy, "another compaction ran for more than a minute")
            }
            let plan = try withCurrentStoreLocked { self.plan(holding: lock) }
            if try run(plan) { return }
        }
    }

    /// Snapshot bytes: the header, then owners before what they own: users, groups (parents
    /// first), projects, memberships, tokens, webhooks, expiry notices, web sessions, deploy tokens.
    static func snapshotBytes(of state: StoreState, generation: Int, lastSeq: Int, auditTail: AuditChain.Link? = nil) -> [UInt8] {
        let tail = auditTail.flatMap { $0.seq > 0 ? $0 : nil }
        let header = RecordCoding.headerLine(
            .init(
                generation: generation, lastSeq: lastSeq, nextUserID: state.nextUserID, nextTokenID: state.nextTokenID,
                nextGroupID: state.nextGroupID, nextProjectID: state.nextProjectID, nextHookID: state.nextHookID,
                nextDeployTokenID: state.nextDeployTokenID, auditSeq: tail?.seq, auditMAC: tail?.mac))
        // One buffer for every line (about 350 bytes a token): no line of its own to allocate and copy.
        var w = JSONWriter(capacity: header.count + 400 * (state.tokens.count + state.users.count) + (64 << 10))
        w.encoded(Array(header.dropLast()))  // the header line without its newline
        w.endLine()
        for user in state.allUsers() { RecordCoding.appendSnapshotLine(.putUser(user), to: &w) }
        for group in state.resources.allGroups() { RecordCoding.appendSnapshotLine(.putGroup(group), to: &w) }
        for project in state.resources.allProjects() { RecordCoding.appendSnapshotLine(.putProject(project), to: &w) }
        for membership in state.resources.allMemberships() { RecordCoding.appendSnapshotLine(.putMembership(membership), to: &w) }
        for token in state.allTokens() { RecordCoding.appendSnapshotLine(.putToken(token), to: &w) }
        for hook in state.webhooks.allHooks() { RecordCoding.appendSnapshotLine(.putHook(hook), to: &w) }
        for notice in state.webhooks.allNotices() { RecordCoding.appendSnapshotLine(.putNotice(notice), to: &w) }
        for session in state.webSessions.all() { RecordCoding.appendSnapshotLine(.putWebSession(session), to: &w) }
        for token in state.deployTokens.all() { RecordCoding.appendSnapshotLine(.putDeployToken(token), to: &w) }
        return w.bytes
    }
}
