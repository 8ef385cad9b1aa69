#if canImport(Glibc)
import Glibc
#endif
import Logging
import TokenCore

/// Maintenance of the file store: the start-up sweep, compaction into a new snapshot
/// generation, bulk loading, and the figures `tokend store check` prints.
extension JSONFileStore {
    // MARK: Start-up

    /// Removes temp files and journals of other generations that a crash left behind, under the
    /// lock so no compaction is in progress. Best effort: a failure only leaves litter.
    func sweepLeftovers() {
        guard !readOnly, (try? lock.acquire(timeoutMilliseconds: 200)) == true else { return }
        defer { lock.release() }
        // Another process may have compacted since we loaded: learn the live generation under
        // the lock before deciding which journal is stale.
        guard (try? refresh()) != nil, let directory = opendir(layout.directory) else { return }
        defer { closedir(directory) }
        let live = DurableFile.basename(layout.journal(generation: generation))
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            let stale = (name.hasPrefix(".tokens.snapshot") && name.hasSuffix(".tmp"))
                || (name.hasPrefix("tokens.journal.") && name.hasSuffix(".jsonl") && name != live)
            if stale {
                unlink(layout.directory + "/" + name)
                logger.info("removed a leftover file", metadata: ["file": "\(name)"])
            }
        }
    }

    // MARK: Compaction

    func compactIfDue() {
        let floor = compactionThreshold < 4 << 20 ? compactionThreshold : max(compactionThreshold, snapshotSize / 4)
        guard journalOffset > floor else { return }
        do throws(StoreError) {
            try compactLocked()
        } catch {
            logger.error("compaction failed; the journal keeps growing until it succeeds", metadata: ["error": "\(error)"])
        }
    }

    /// Writes a new snapshot generation from the current state (the lock must be held).
    private func compactLocked() throws(StoreError) {
        let next = generation + 1
        var bytes = RecordCoding.headerLine(
            .init(
                generation: next, lastSeq: lastSeq, nextUserID: state.nextUserID, nextTokenID: state.nextTokenID,
                nextGroupID: state.nextGroupID, nextProjectID: state.nextProjectID))
        // Owners before what they own: users, groups (parents first), projects, memberships, tokens.
        for user in state.allUsers() { bytes += RecordCoding.snapshotLine(.putUser(user)) }
        for group in state.resources.allGroups() { bytes += RecordCoding.snapshotLine(.putGroup(group)) }
        for project in state.resources.allProjects() { bytes += RecordCoding.snapshotLine(.putProject(project)) }
        for membership in state.resources.allMemberships() { bytes += RecordCoding.snapshotLine(.putMembership(membership)) }
        for token in state.allTokens() { bytes += RecordCoding.snapshotLine(.putToken(token)) }
        let newJournal = layout.journal(generation: next)
        let journalFDNew = try FileIO.open(newJournal, O_RDWR | O_APPEND | O_CREAT | O_TRUNC, mode: 0o600)
        do throws(StoreError) {
            fchmod(journalFDNew, 0o600)
            try FileIO.fsync(journalFDNew, path: newJournal)
            try DurableFile.replace(at: layout.snapshot, with: bytes, directory: layout.directory, failpoints: failpoints)
        } catch {
            close(journalFDNew)
            unlink(newJournal)
            throw error
        }
        let oldJournal = layout.journal(generation: generation)
        failpoints.hit("compaction.before-unlink")
        unlink(oldJournal)
        try? FileIO.fsyncDirectory(layout.directory)
        close(journalFD)
        journalFD = journalFDNew
        generation = next
        journalOffset = 0
        journalSeenSize = 0
        snapshotSize = bytes.count
        let pinned = try FileIO.open(layout.snapshot, O_RDONLY)
        if snapshotFD >= 0 { close(snapshotFD) }
        snapshotFD = pinned
        snapshotIdentity = try FileIO.identity(ofDescriptor: pinned, path: layout.snapshot)
        logger.info("compacted the store", metadata: ["generation": "\(next)", "records": "\(state.users.count + state.tokens.count)"])
    }

    /// Runs `body` on the state and writes the result as a new snapshot generation instead of
    /// journal lines: the bulk path for seeding large stores (`tokend store seed`). Same records,
    /// same guarantees (lock held, temp file, fsync, rename, directory fsync).
    public func bulkWrite(_ body: (inout StoreState) throws -> Void) throws {
        try withCurrentStoreLocked {
            state.beginTransaction()
            do {
                try body(&state)
            } catch {
                state.rollback()
                throw error
            }
            lastSeq += state.pendingChanges.count
            state.commit()
            try compactLocked()
        }
    }

    /// Compacts now (`tokend store compact`).
    public func compact() throws {
        try withCurrentStoreLocked { try compactLocked() }
    }

    /// Runs `body` holding both locks on a state caught up with the files (maintenance work).
    private func withCurrentStoreLocked(_ body: () throws -> Void) throws {
        try rw.withWriteLock {
            guard try lock.acquire(timeoutMilliseconds: lockTimeoutMilliseconds) else {
                throw RepositoryError(.busy, "the store lock is held by another process")
            }
            defer { lock.release() }
            try refresh()
            try verifyJournalPath()
            try repairTornTail()
            try body()
        }
    }

    /// Generation, last sequence number and file sizes, for `tokend store check`.
    public struct Status: Sendable {
        public var generation: Int
        public var lastSeq: Int
        public var snapshotBytes: Int
        public var journalBytes: Int
        public var users: Int
        public var tokens: Int
        public var groups = 0
        public var projects = 0
        public var memberships = 0
    }

    public func status() throws -> Status {
        try rw.withWriteLock {
            try refresh()
            return Status(
                generation: generation, lastSeq: lastSeq, snapshotBytes: snapshotSize, journalBytes: journalOffset,
                users: state.users.count, tokens: state.tokens.count, groups: state.resources.groups.count,
                projects: state.resources.projects.count, memberships: state.resources.memberships.count)
        }
    }
}

extension JSONFileStore: StoreMonitoring {
    /// Generation, file sizes and record counts, for `/-/metrics`.
    public func gauges() throws -> [(name: String, help: String, value: Int)] {
        let s = try status()
        return [
            ("tokend_store_generation", "Snapshot generation of the store (rises at each compaction).", s.generation),
            ("tokend_store_last_sequence", "Sequence number of the last committed change.", s.lastSeq),
            ("tokend_store_journal_bytes", "Size of the live journal.", s.journalBytes),
            ("tokend_store_snapshot_bytes", "Size of the snapshot.", s.snapshotBytes),
            ("tokend_store_tokens", "Tokens stored, revoked ones included.", s.tokens),
            ("tokend_store_users", "Users stored, bots included.", s.users),
        ]
    }
}
