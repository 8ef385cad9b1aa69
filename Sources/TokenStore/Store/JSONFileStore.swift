#if canImport(Glibc)
import Glibc
#endif
import JSON
public import Logging
import Synchronization
public import TokenCore
public import TokenAudit
import TokenRecords

/// The embedded store: a JSON Lines snapshot plus an append-only journal in one directory,
/// shared safely by any number of worker processes and threads.
///
/// - Writes hold the in-process lock exclusively and `flock` on `tokens.lock`, catch up with other
///   processes, run the domain transaction and append one line per change in one `write`; then,
///   with no lock held, they wait for a shared `fdatasync` that covers them (``GroupCommit``)
///   before returning: nothing is acknowledged before it is durable.
/// - Reads take no file lock and, while the change count in `tokens.shm` has not moved, no
///   system call; otherwise they `stat` the snapshot and `fstat` the journal, and apply only the
///   new complete lines, so their cost does not grow with the store.
/// - When the journal outgrows the snapshot, a writer compacts both into a new generation.
public final class JSONFileStore: TokenRepository, @unchecked Sendable {
    public let layout: StoreLayout
    let logger: Logger
    let lock: StoreLock
    /// Guards everything below: shared for reads, exclusive for refreshes and writes.
    let rw = ReadWriteLock()
    /// How long a writer waits for another process's lock before answering 503.
    public var lockTimeoutMilliseconds = 2000
    /// Compaction runs when the journal exceeds max(this, a quarter of the snapshot); the
    /// reliability tests lower it (``Tuning/compactionBytes``) to compact often.
    public var compactionThreshold: Int

    var state = StoreState()
    var generation = 0
    var lastSeq = 0
    var snapshotIdentity: FileIdentity?
    /// The loaded snapshot, kept open so its inode cannot be reused by a later snapshot while
    /// we still compare against it (racy-git: identity must not repeat).
    var snapshotFD: Int32 = -1
    var snapshotSize = 0
    /// The live journal, shared with a flusher that may still be syncing it after a compaction.
    var journal: JournalFile?
    var journalFD: Int32 { journal?.fd ?? -1 }
    /// The journal's (device, inode), to check under the lock that its path still names it.
    var journalIdentity: FileIdentity?
    var journalOffset = 0
    /// Bytes of audit lines in the live journal: left out of the compaction arithmetic.
    var auditJournalBytes = 0
    /// The journal size at the last refresh (larger than the offset while a torn tail waits).
    var journalSeenSize = 0
    var failure: RepositoryError?
    private var warnedTornTail = false
    /// The counters all processes share (`tokens.shm`): the change count readers compare
    /// instead of `stat`ing, and how far the journal is durable.
    let counters: SharedCounters
    /// The change count at this process's last refresh or write (nil: never caught up).
    var seenChange: UInt64?
    /// The entry count this process's last section under the store lock took.
    var seenEntries: UInt64?
    /// The undo marker at the last refresh: a change means lines this process read were cut off.
    var seenUndo: UInt64 = 0
    /// The spill count when this process last drained the failed-authentication spill file.
    var seenSpill: UInt64?
    /// Shares `fdatasync` among concurrent writers (when ``counters`` are shared).
    let groupCommit: GroupCommit
    /// The directory could only be opened read-only (EROFS): reads work, writes are refused.
    var readOnly = false
    let failpoints: Failpoints
    /// Scope lists shared among the tokens loaded (used under the exclusive lock).
    let scopeInterner = ScopeInterner()
    /// Until the first full load in ``Loading/onDemand`` mode: answers reads record by record.
    var lazyView: LazyStoreView?
    /// Chains audit events into `audit/` (nil on a read-only store).
    var auditWriter: AuditWriter?
    /// The journal sequence number of the newest audit event this process has seen.
    var lastAuditJournalSeq = 0
    /// The audit files' first event times, for the audit events API.
    let auditStartTimes = AuditStartTimes()

    /// Knobs for the reliability tests, passed in by the caller (the store reads no environment).
    public struct Tuning: Sendable {
        /// Compact when the journal passes this many bytes (default 4 MB).
        public var compactionBytes: Int
        /// `name[:n][=action]`: a failpoint to arm (see ``Failpoints``); nil arms none.
        public var failpoint: String?
        /// Audit file rotation: a new file past this size (default 16 MB) and at each new UTC day.
        public var auditFileBytes: Int
        /// Audit files whose events are all older than this many days are removed (0: never).
        public var auditRetentionDays: Int
        /// Where the audit chain's head goes after every append.
        public var auditWitness: AuditWitness

        public init(
            compactionBytes: Int? = nil, failpoint: String? = nil, auditFileBytes: Int? = nil, auditRetentionDays: Int = 0,
            auditWitness: AuditWitness = .none
        ) {
            self.auditWitness = auditWitness
            self.compactionBytes = compactionBytes ?? 4 << 20
            self.failpoint = failpoint
            self.auditFileBytes = auditFileBytes ?? 16 << 20
            self.auditRetentionDays = auditRetentionDays
        }

        public static let standard = Tuning()
    }

    /// When the store's records are read into memory.
    public enum Loading: Sendable {
        /// All of them, when the store opens: a long-lived worker, whose reads are then
        /// dictionary lookups.
        case eager
        /// Only what each read needs, found in the files, until a write or a read that needs
        /// everything (a list) loads it all: a process that serves one request (CGI mode).
        case onDemand
    }

    /// Opens an initialised data directory and loads it (or, `onDemand`, checks its header);
    /// throws with path and offset on corruption.
    public init(
        directory: String, allowNetworkFilesystem: Bool = false, loading: Loading = .eager, tuning: Tuning = .standard,
        logger: Logger = Logger(label: "tokend.store")
    ) throws(StoreError) {
        layout = StoreLayout(directory: directory)
        self.logger = logger
        compactionThreshold = tuning.compactionBytes
        failpoints = Failpoints(spec: tuning.failpoint)
        guard FileIO.exists(layout.snapshot) else {
            // A directory this user may not enter is no missing store: say EACCES.
            if errno != ENOENT { throw .syscall("open", layout.snapshot) }
            throw StoreError(
                operation: "open", path: layout.snapshot, errno: ENOENT,
                detail: "no store here; run `tokend init --data \(layout.directory)` first")
        }
        if !allowNetworkFilesystem { try FilesystemCheck.verify(directory: layout.directory) }
        lock = try StoreLock(path: layout.lock)
        readOnly = lock.readOnly
        counters = SharedCounters(path: layout.sharedCounters, readOnly: readOnly)
        groupCommit = GroupCommit(counters: counters)
        seenUndo = counters.undoMarker
        if readOnly {
            logger.warning("the store is on a read-only filesystem: serving reads, refusing writes", metadata: ["path": "\(layout.directory)"])
        } else {
            let policy = AuditWriter.Policy(maximumFileBytes: tuning.auditFileBytes, retentionDays: tuning.auditRetentionDays)
            auditWriter = AuditWriter(
                layout: AuditLayout(layout), key: try AuditLayout.key(layout, create: true), policy: policy, witness: tuning.auditWitness)
        }
        switch loading {
        case .eager:
            let observed = counters.changeCount
            try reload()
            seenChange = observed
            sweepLeftovers()
        case .onDemand:
            lazyView = try LazyStoreView(layout: layout)
        }
    }

    deinit {
        if snapshotFD >= 0 { close(snapshotFD) }
    }

    // MARK: TokenRepository

    public func read<T>(_ body: (borrowing StoreState) throws -> T) throws -> T {
        if lazyView != nil, let answered = try rw.withWriteLock({ () throws -> T? in try readOnDemand(body) }) {
            return answered
        }
        let current = try rw.withReadLock { () throws -> T? in
            do throws(StoreError) {
                guard try isCurrent() else { return nil }
            } catch {
                throw error.repositoryError
            }
            return try body(state)
        }
        if let current { return current }
        // The files moved on: catch up exclusively, then answer from the fresh state.
        return try rw.withWriteLock {
            do throws(StoreError) {
                try refresh()
            } catch {
                throw error.repositoryError
            }
            return try body(state)
        }
    }

    /// True when the snapshot is the one loaded and the journal holds no bytes not yet applied:
    /// the shared change count is the one last seen (no system call), or without shared
    /// counters, two `stat`s. No mutation: safe under the shared lock.
    private func isCurrent() throws(StoreError) -> Bool {
        if counters.isShared { return snapshotIdentity != nil && seenChange == counters.changeCount }
        guard snapshotIdentity != nil, try FileIO.identity(ofPath: layout.snapshot) == snapshotIdentity else { return false }
        return try FileIO.fileSize(journalFD, path: layout.journal(generation: generation)) == journalSeenSize
    }

    // MARK: Reading

    /// Brings the in-memory state up to date with the files: nothing to do when the shared
    /// change count has not moved; a new snapshot generation is followed through the journals
    /// when possible (``followCompaction()``), else reloaded; new journal bytes are applied line
    /// by line; lines cut off after a failed flush (an undo) mean a reload. `force` looks at the
    /// files whatever the count says (a lock holder died before bumping it).
    func refresh(force: Bool = false) throws(StoreError) {
        lazyView = nil
        let observed = counters.changeCount
        if !force, counters.isShared, snapshotIdentity != nil, observed == seenChange { return }
        let undo = counters.undoMarker
        if undo != seenUndo {
            try reload()
            seenUndo = undo
        } else {
            try refreshFromFiles()
        }
        seenChange = observed
    }

    private func refreshFromFiles() throws(StoreError) {
        let identity = try FileIO.identity(ofPath: layout.snapshot)
        guard identity == snapshotIdentity else {
            if try !followCompaction() { try reload() }
            return
        }
        let path = layout.journal(generation: generation)
        let size = try FileIO.fileSize(journalFD, path: path)
        if size < journalOffset {
            try reload()
            return
        }
        journalSeenSize = size
        guard size > journalOffset else { return }
        let bytes = try FileIO.pread(journalFD, offset: journalOffset, count: size - journalOffset, path: path)
        let consumed = try applyJournal(bytes, path: path, baseOffset: journalOffset, strictSeq: false)
        if consumed == nil {
            try reload()
            return
        }
        journalOffset += consumed!
    }

    /// Applies complete lines of journal bytes; returns the bytes consumed, or nil when the
    /// sequence does not continue (the caller reloads).
    func applyJournal(_ bytes: [UInt8], path: String, baseOffset: Int, strictSeq: Bool) throws(StoreError) -> Int? {
        var start = 0
        var line = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            line += 1
            let slice = bytes[start..<newline]
            let entry: (seq: Int, change: StoreChange)
            if let seq = FastRecordDecoder.journalAuditSeq(slice) {
                // An audit event changes no record: only its sequence number matters here.
                if seq > lastSeq {
                    guard seq == lastSeq + 1 else {
                        if strictSeq {
                            throw .corrupt(path, line: line, offset: baseOffset + start, "sequence jumps from \(lastSeq) to \(seq)")
                        }
                        return nil
                    }
                    lastSeq = seq
                }
                lastAuditJournalSeq = max(lastAuditJournalSeq, seq)
                auditJournalBytes += newline + 1 - start
                start = newline + 1
                continue
            } else if let fast = FastRecordDecoder.journalToken(slice, interner: scopeInterner) {
                entry = fast
            } else {
                do {
                    entry = try RecordCoding.decodeJournalLine(try JSONParser.parse(slice))
                } catch {
                    throw .corrupt(path, line: line, offset: baseOffset + start, "\(error)")
                }
            }
            if entry.seq > lastSeq {
                guard entry.seq == lastSeq + 1 else {
                    if strictSeq {
                        throw .corrupt(path, line: line, offset: baseOffset + start, "sequence jumps from \(lastSeq) to \(entry.seq)")
                    }
                    return nil
                }
                state.apply(entry.change)
                lastSeq = entry.seq
            }
            start = newline + 1
        }
        if start < bytes.count && !warnedTornTail {
            warnedTornTail = true
            logger.warning(
                "ignoring a torn last journal line (a writer stopped mid-append); it is truncated at the next write",
                metadata: ["path": "\(path)", "offset": "\(baseOffset + start)"])
        }
        return start
    }

    /// Loads the snapshot and its journal from scratch.
    func reload() throws(StoreError) {
        let newSnapshotFD = try FileIO.open(layout.snapshot, O_RDONLY)
        var keep = false
        defer { if !keep { close(newSnapshotFD) } }
        let identity = try FileIO.identity(ofDescriptor: newSnapshotFD, path: layout.snapshot)
        // Mapped, not read: no buffer the size of the file to fill and free; the pages are the
        // page cache's and leave with the map.
        let mapped = try MappedFile(descriptor: newSnapshotFD, path: layout.snapshot)
        mapped.adviseSequential()
        let size = mapped.count
        var fresh = StoreState()
        let header = try mapped.withBytes { buffer throws(StoreError) in
            try SnapshotParser.parse(buffer, path: layout.snapshot, into: &fresh, interner: scopeInterner)
        }
        let journalPath = layout.journal(generation: header.generation)
        let fd = try readOnly
            ? FileIO.open(journalPath, O_RDONLY) : FileIO.open(journalPath, O_RDWR | O_APPEND | O_CREAT, mode: 0o600)
        let opened = JournalFile(fd: fd, path: journalPath)
        journalIdentity = try FileIO.identity(ofDescriptor: fd, path: journalPath)
        journal = opened
        if snapshotFD >= 0 { close(snapshotFD) }
        snapshotFD = newSnapshotFD
        keep = true
        state = consume fresh  // `fresh` must not share the storage: the journal lines below would copy it all
        generation = header.generation
        lastSeq = header.lastSeq
        snapshotIdentity = identity
        snapshotSize = size
        journalOffset = 0
        auditJournalBytes = 0
        let journalSize = try FileIO.fileSize(fd, path: journalPath)
        let journal = try FileIO.pread(fd, offset: 0, count: journalSize, path: journalPath)
        journalOffset = try applyJournal(journal, path: journalPath, baseOffset: 0, strictSeq: true) ?? 0
        journalSeenSize = journalSize
    }
}
