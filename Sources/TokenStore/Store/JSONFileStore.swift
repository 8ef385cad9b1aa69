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
///   processes, run the domain transaction, append one line per change in one `write`, and
///   `fdatasync` before returning: nothing is acknowledged before it is durable.
/// - Reads take no file lock: they `stat` the snapshot and `fstat` the journal, and apply only
///   the new complete lines, so their cost does not grow with the store.
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
    var journalFD: Int32 = -1
    var journalOffset = 0
    /// The journal size at the last refresh (larger than the offset while a torn tail waits).
    var journalSeenSize = 0
    private var failure: RepositoryError?
    private var warnedTornTail = false
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
        if readOnly {
            logger.warning("the store is on a read-only filesystem: serving reads, refusing writes", metadata: ["path": "\(layout.directory)"])
        } else {
            let policy = AuditWriter.Policy(maximumFileBytes: tuning.auditFileBytes, retentionDays: tuning.auditRetentionDays)
            auditWriter = AuditWriter(
                layout: AuditLayout(layout), key: try AuditLayout.key(layout, create: true), policy: policy, witness: tuning.auditWitness)
        }
        switch loading {
        case .eager:
            try reload()
            sweepLeftovers()
        case .onDemand:
            lazyView = try LazyStoreView(layout: layout)
        }
    }

    deinit {
        if journalFD >= 0 { close(journalFD) }
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

    /// True when the snapshot is the one loaded and the journal holds no bytes not yet applied
    /// (two syscalls, no mutation: safe under the shared lock).
    private func isCurrent() throws(StoreError) -> Bool {
        guard snapshotIdentity != nil, try FileIO.identity(ofPath: layout.snapshot) == snapshotIdentity else { return false }
        return try FileIO.fileSize(journalFD, path: layout.journal(generation: generation)) == journalSeenSize
    }

    /// The primitive under ``TokenRepository/write(_:_:)``: both locks, the state caught up
    /// with the files, and ``JournalStorage`` to append the transaction's changes; a compaction
    /// that came due runs after both locks are released (the write is acknowledged already).
    public func writeWithoutTransaction<T>(_ work: (inout StoreState, any TransactionStorage) throws -> T) throws -> T {
        var due: CompactionPlan?
        let result = try rw.withWriteLock {
            if let failure { throw failure }
            if readOnly { throw RepositoryError(.readOnly, "the store is on a read-only filesystem: \(layout.directory)") }
            do {
                guard try lock.acquire(timeoutMilliseconds: lockTimeoutMilliseconds) else {
                    throw RepositoryError(.busy, "the store lock was held for more than \(lockTimeoutMilliseconds) ms")
                }
            } catch let error as StoreError {
                throw error.repositoryError
            }
            defer { lock.release() }
            failpoints.hit("lock.after-acquire")
            do throws(StoreError) {
                try refresh()
                try verifyJournalPath()
                try repairTornTail()
            } catch {
                throw error.repositoryError
            }
            let storage = JournalStorage(store: self)
            let result = try work(&state, storage)
            if storage.appended { due = compactionPlanIfDue() }
            return result
        }
        if let due { compact(due) }
        return result
    }

    /// Persists a transaction on the JSON store: the audit events a CGI process left join it,
    /// every change becomes a journal line in one write and one `fdatasync`, and its audit
    /// events are chained into `audit/` (still under the store lock).
    private final class JournalStorage: TransactionStorage {
        let store: JSONFileStore
        private(set) var appended = false

        init(store: JSONFileStore) { self.store = store }

        func persist(_ state: inout StoreState) throws -> PersistOutcome {
            store.drainAuditSpill(into: &state)
            let changes = state.pendingChanges
            let firstSeq = try store.append(changes)
            appended = true
            store.chainAuditEvents(of: changes, firstSeq: firstSeq)
            return .persisted
        }
    }

    // MARK: Writing

    /// Appends the changes as journal lines in one write, then fdatasync; on failure undoes the
    /// partial append (the transaction rolls back the state). Returns the first change's sequence number.
    fileprivate func append(_ changes: [StoreChange]) throws -> Int {
        var bytes: [UInt8] = []
        var seq = lastSeq
        let auditKey = auditWriter?.key
        for change in changes {
            seq += 1
            bytes += RecordCoding.journalLine(change, seq: seq, auditKey: auditKey)
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
        do throws(StoreError) {
            try failpoints.check("journal.sync", path: path)
            try FileIO.fdatasync(journalFD, path: path)
        } catch {
            // An fsync failure is final for this process (PostgreSQL's lesson): no retry, no pretending.
            // The lines were not acknowledged: take them back out of the file, best effort, so no
            // reader (here or in another worker) sees a change its client was told failed.
            ftruncate(journalFD, off_t(journalOffset))
            let failed = RepositoryError(.failed, "\(error); this worker refuses writes until it is restarted")
            failure = failed
            logger.critical("store sync failed; refusing writes until restart", metadata: ["error": "\(error)"])
            throw failed
        }
        journalOffset += bytes.count
        journalSeenSize = journalOffset
        let first = lastSeq + 1
        lastSeq = seq
        failpoints.hit("journal.after-sync")
        return first
    }

    /// A torn last line (a writer died mid-append) is truncated before the next append.
    func repairTornTail() throws(StoreError) {
        let path = layout.journal(generation: generation)
        let size = try FileIO.fileSize(journalFD, path: path)
        guard size > journalOffset else { return }
        logger.warning("truncating a torn journal tail", metadata: ["path": "\(path)", "offset": "\(journalOffset)"])
        if ftruncate(journalFD, off_t(journalOffset)) != 0 { throw .syscall("ftruncate", path) }
        try FileIO.fdatasync(journalFD, path: path)
        journalSeenSize = journalOffset
    }

    /// The journal path must still name our descriptor; otherwise we would append to an unlinked file.
    func verifyJournalPath() throws(StoreError) {
        let path = layout.journal(generation: generation)
        let onDisk = try FileIO.identity(ofPath: path)
        let ours = try FileIO.identity(ofDescriptor: journalFD, path: path)
        if onDisk != ours { try reload() }
    }

    // MARK: Reading

    /// Brings the in-memory state up to date with the files: a new snapshot generation is
    /// followed through the journals when possible (``followCompaction()``), else reloaded;
    /// new journal bytes are applied line by line.
    func refresh() throws(StoreError) {
        lazyView = nil
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
        if journalFD >= 0 { close(journalFD) }
        journalFD = fd
        if snapshotFD >= 0 { close(snapshotFD) }
        snapshotFD = newSnapshotFD
        keep = true
        state = consume fresh  // `fresh` must not share the storage: the journal lines below would copy it all
        generation = header.generation
        lastSeq = header.lastSeq
        snapshotIdentity = identity
        snapshotSize = size
        journalOffset = 0
        let journalSize = try FileIO.fileSize(fd, path: journalPath)
        let journal = try FileIO.pread(fd, offset: 0, count: journalSize, path: journalPath)
        journalOffset = try applyJournal(journal, path: journalPath, baseOffset: 0, strictSeq: true) ?? 0
        journalSeenSize = journalSize
    }
}
