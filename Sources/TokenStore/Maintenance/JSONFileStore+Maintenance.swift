#if canImport(Glibc)
import Glibc
#endif
import Logging
public import TokenCore

/// Maintenance of the file store: the start-up sweep, compaction into a new snapshot
/// generation, bulk loading, and the figures `tokend store check` prints.
extension JSONFileStore {
    // MARK: Start-up

    /// Removes temp files and journals of other generations that a crash left behind, under the
    /// lock so no compaction is in progress. Best effort: a failure only leaves litter.
    func sweepLeftovers() {
        guard !readOnly else { return }
        // Another process may have compacted since we loaded: learn the live generation under
        // the lock before deciding which journal is stale.
        _ = try? rw.withWriteLock { try withStoreLock(timeoutMilliseconds: 200) { _ in sweepLocked() } }
    }

    private func sweepLocked() {
        repairAuditAtStart()
        guard let directory = opendir(layout.directory) else { return }
        defer { closedir(directory) }
        // A compaction writes its temp file without the store lock: leave it alone while one runs.
        let compaction = try? CompactionLock(directory: layout.directory)
        let live = DurableFile.basename(layout.journal(generation: generation))
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            let stale = (compaction != nil && name.hasPrefix(".tokens.snapshot") && name.hasSuffix(".tmp"))
                || (name.hasPrefix("tokens.journal.") && name.hasSuffix(".jsonl") && name != live)
            if stale {
                unlink(layout.directory + "/" + name)
                logger.info("removed a leftover file", metadata: ["file": "\(name)"])
            }
        }
    }

    // MARK: Bulk loading

    /// Runs `body` on the state and writes the result as a new snapshot generation instead of
    /// journal lines: the bulk path for seeding large stores (`tokend store seed`). Same records,
    /// same guarantees (lock held, temp file, fsync, rename, directory fsync).
    public func bulkWrite(_ body: (inout StoreState) throws -> Void) throws {
        guard let compaction = try CompactionLock(directory: layout.directory, timeoutMilliseconds: 60_000) else {
            throw RepositoryError(.busy, "another compaction ran for more than a minute")
        }
        try withCurrentStoreLocked {
            // The changes are not journalled: the new snapshot below holds them.
            var changed = 0
            try state.transaction(in: ClosureStorage { changed = $0.pendingChanges.count }, body)
            lastSeq += changed
            try compactLocked(holding: compaction)
        }
    }

    /// Runs `body` holding both locks on a state caught up with the files (maintenance work).
    func withCurrentStoreLocked<T>(_ body: () throws -> T) throws -> T {
        try rw.withWriteLock { try withStoreLock { _ in try body() } }
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
        /// Signed-in browsers' sessions (expired ones included until the sweep removes them).
        public var webSessions = 0
        public var deployTokens = 0
    }

    public func status() throws -> Status {
        try rw.withWriteLock {
            try refresh()
            return Status(
                generation: generation, lastSeq: lastSeq, snapshotBytes: snapshotSize, journalBytes: journalOffset,
                users: state.users.count, tokens: state.tokens.count, groups: state.resources.groups.count,
                projects: state.resources.projects.count, memberships: state.resources.memberships.count,
                webSessions: state.webSessions.count, deployTokens: state.deployTokens.tokens.count)
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
