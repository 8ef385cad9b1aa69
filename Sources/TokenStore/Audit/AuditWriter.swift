#if canImport(Glibc)
import Glibc
#endif
import TokenAudit
import TokenCore

/// Appends chained lines to the audit files. Every call is made holding the store lock, so
/// one process at a time extends the chain; each call first catches up with what other
/// processes appended (``catchUp()``).
///
/// Lines are written but not synced: the journal, flushed before the change is acknowledged,
/// is the durable copy of every event until a compaction drops it, and compaction syncs the
/// audit file first (``sync()``). After a crash the missing lines are carried from the journal
/// again.
final class AuditWriter {
    /// When files rotate and how long they are kept.
    struct Policy: Sendable {
        /// Start a new file once the current one passes this size.
        var maximumFileBytes = 16 << 20
        /// Start a new file on the first event of a new UTC day.
        var rotateDaily = true
        /// Remove whole files, oldest first, whose events are all older than this many days
        /// (0: keep everything).
        var retentionDays = 0
    }

    let layout: AuditLayout
    let key: AuditChain.Key
    let policy: Policy
    /// Where the head goes after every append (``AuditWitness``).
    let witness: AuditWitness
    /// The newest line of the chain as this process last saw it.
    private(set) var tail = AuditChain.Link.start
    private var fd: Int32 = -1
    private var firstSeq = 0
    /// Bytes of the current file this process has accounted for.
    private var size = 0
    /// The UTC day of the current file's first line (nil while it is empty).
    private var firstDay: CivilDate?

    init(layout: AuditLayout, key: AuditChain.Key, policy: Policy, witness: AuditWitness = .none) {
        self.layout = layout
        self.key = key
        self.policy = policy
        self.witness = witness
    }

    deinit { if fd >= 0 { close(fd) } }

    private var path: String { layout.file(firstSeq: firstSeq) }

    /// True once the current audit file is open (``catchUp()`` opens it).
    var isOpen: Bool { fd >= 0 }

    // MARK: Catching up

    /// Brings ``tail`` up to the files: lines other processes appended, a file another process
    /// rotated to, a torn last line (a writer killed mid-append, truncated here).
    func catchUp() throws(StoreError) {
        if fd < 0 { try openNewest() }
        while true {
            let current = try FileIO.fileSize(fd, path: path)
            if current != size { try readTail(size: current) }
            let next = layout.file(firstSeq: tail.seq + 1)
            guard tail.seq + 1 != firstSeq, FileIO.exists(next) else { return }
            try switchTo(firstSeq: tail.seq + 1)
        }
    }

    private func openNewest() throws(StoreError) {
        try layout.ensureDirectory()
        let files = layout.files()
        tail = try layout.readAnchor(key: key)
        // The newest file's tail, or (when it is empty) the one before's.
        for seq in files.reversed() {
            let path = layout.file(firstSeq: seq)
            let handle = try FileIO.open(path, O_RDONLY)
            defer { close(handle) }
            let size = try FileIO.fileSize(handle, path: path)
            if let last = try AuditLayout.lastLine(handle, size: size, path: path) {
                tail = try link(of: last.line, path: path)
                break
            }
        }
        try switchTo(firstSeq: files.last ?? tail.seq + 1, create: files.isEmpty)
    }

    private func switchTo(firstSeq seq: Int, create: Bool = false) throws(StoreError) {
        let path = layout.file(firstSeq: seq)
        let flags = O_RDWR | O_APPEND | (create ? O_CREAT : 0)
        let handle = try FileIO.open(path, flags, mode: 0o600)
        if create {
            fchmod(handle, 0o600)
            try FileIO.fsyncDirectory(layout.directory)
        }
        if fd >= 0 { close(fd) }
        fd = handle
        firstSeq = seq
        size = 0
        firstDay = nil
        try readTail(size: try FileIO.fileSize(handle, path: path))
    }

    /// Reads the current file's last complete line into ``tail``; truncates a torn end.
    private func readTail(size current: Int) throws(StoreError) {
        guard let last = try AuditLayout.lastLine(fd, size: current, path: path) else {
            if current > 0 { try truncate(to: 0) }
            size = 0
            return
        }
        if last.end < current { try truncate(to: last.end) }
        tail = try link(of: last.line, path: path)
        size = last.end
        if firstDay == nil, let first = try AuditLayout.firstLine(fd, path: path) {
            firstDay = (try? AuditChain.parse(first))?.event.time.date
        }
    }

    private func truncate(to length: Int) throws(StoreError) {
        if ftruncate(fd, off_t(length)) != 0 { throw .syscall("ftruncate", path) }
        try FileIO.fdatasync(fd, path: path)
    }

    /// The link the line makes: read from its frame when its MAC checks (the common case, a
    /// line another worker just appended), else from a full parse.
    private func link(of line: ArraySlice<UInt8>, path: String) throws(StoreError) -> AuditChain.Link {
        if let link = AuditChain.link(ofLine: line, key: key) { return link }
        do {
            let parsed = try AuditChain.parse(line)
            return AuditChain.Link(seq: parsed.seq, mac: parsed.mac, journalSeq: parsed.journalSeq)
        } catch {
            throw StoreError(
                operation: "read", path: path,
                detail: "the last audit line cannot be read (\(error)); run `tokend audit verify` to find the damage")
        }
    }

    // MARK: Appending

    /// An event to chain: the journal line that carried it, and its JSON
    /// (``AuditEventCoding/bytes(_:)``, which the journal line holds too).
    struct Entry {
        var journalSeq: Int
        var event: AuditEvent
        var json: [UInt8]

        init(journalSeq: Int, event: AuditEvent, json: [UInt8]? = nil) {
            self.journalSeq = journalSeq
            self.event = event
            self.json = json ?? AuditEventCoding.bytes(event)
        }
    }

    /// Appends one line per event, in order, in one write (rotating first when due).
    func append(_ entries: [Entry]) throws(StoreError) {
        guard let first = entries.first else { return }
        if size > 0, size >= policy.maximumFileBytes || (policy.rotateDaily && firstDay.map { $0 != first.event.time.date } ?? false) {
            try rotate(now: first.event.time)
        }
        var bytes: [UInt8] = []
        var link = tail
        for entry in entries {
            let line = AuditChain.line(eventJSON: entry.json, journalSeq: entry.journalSeq, after: link, key: key)
            bytes += line.bytes
            link = line.link
        }
        do throws(StoreError) {
            try FileIO.writeAll(fd, bytes, path: path)
        } catch {
            ftruncate(fd, off_t(size))
            throw error
        }
        if size == 0 { firstDay = first.event.time.date }
        size += bytes.count
        tail = link
        witness.record(link)
    }

    /// Removes chained lines whose journal lines were cut off (an undo after a failed flush:
    /// their writes were never acknowledged) from the end of the current file.
    func cutBack(afterJournalSeq seq: Int) throws(StoreError) {
        try catchUp()
        while tail.journalSeq > seq, size > 0, let last = try AuditLayout.lastLine(fd, size: size, path: path) {
            try truncate(to: last.end - last.line.count - 1)
            close(fd)
            fd = -1
            try catchUp()
        }
    }

    /// Makes the current file durable (before a compaction drops the journal).
    func sync() throws(StoreError) {
        guard fd >= 0 else { return }
        try FileIO.fdatasync(fd, path: path)
    }

    /// Syncs the current file and starts the next one; then applies retention.
    private func rotate(now: Timestamp) throws(StoreError) {
        try sync()
        try switchTo(firstSeq: tail.seq + 1, create: true)
        try applyRetention(now: now)
    }

    /// Removes whole files from the front whose every event is older than the retention period:
    /// a file's events end where the next file's begin. The anchor is moved first, so a crash
    /// between the two leaves an anchor that names a line still present, which verify accepts.
    func applyRetention(now: Timestamp) throws(StoreError) {
        guard policy.retentionDays > 0 else { return }
        let cutoff = now.adding(milliseconds: -Int64(policy.retentionDays) * Timestamp.millisecondsPerDay)
        let files = layout.files()
        for (index, seq) in files.enumerated() where index + 1 < files.count && seq != firstSeq {
            let nextPath = layout.file(firstSeq: files[index + 1])
            let handle = try FileIO.open(nextPath, O_RDONLY)
            defer { close(handle) }
            guard let line = try AuditLayout.firstLine(handle, path: nextPath), let next = try? AuditChain.parse(line),
                next.event.time < cutoff
            else { return }
            try layout.writeAnchor(seq: next.seq - 1, prev: next.prev, key: key)
            unlink(layout.file(firstSeq: seq))
            try FileIO.fsyncDirectory(layout.directory)
        }
    }
}
