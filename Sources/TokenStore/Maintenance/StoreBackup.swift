#if canImport(Glibc)
import Glibc
#endif
import JSON
import TokenRecords

/// A consistent copy of a data directory, taken while workers keep serving (`tokend store backup`).
///
/// Under the store's `flock` on `tokens.lock` — so no write or compaction is half done — it
/// opens the snapshot and the live journal, notes the journal's length up to its last complete
/// line, and reads the secret; then it lets go of the lock, after a few system calls. The copy
/// is made from those open descriptors: a snapshot is never changed once renamed into place
/// (compaction writes a new file), and a journal only grows (a compaction unlinks it, but the
/// open descriptor keeps it), so the bytes up to the noted length are exactly the state at the
/// moment of the lock. Every write acknowledged before that moment is in the copy; writers wait
/// for the lock only for those few system calls.
///
/// The copy is built in a temporary directory beside the destination (0700, files 0600, each
/// fsynced) and renamed into place, so the destination is either absent or complete. It is a
/// data directory of its own: `tokend store check` passes on it and a worker serves it.
public enum StoreBackup {
    /// What was copied.
    public struct Summary: Sendable {
        public var generation: Int
        public var snapshotBytes: Int
        public var journalBytes: Int
    }

    /// How long to wait for a writer or a compaction to let go of the lock.
    static let lockTimeoutMilliseconds = 10_000

    /// Copies the store in `source` to the new directory `destination` (which must not exist).
    /// Run as root, the copy gets the owner and group of `ownerOf` (by default the source
    /// directory), so it can be moved into place as it is.
    public static func copy(from source: String, to destination: String, ownerOf model: String? = nil) throws(StoreError) -> Summary {
        let layout = StoreLayout(directory: source)
        let target = StoreLayout(directory: destination)
        if FileIO.exists(target.directory) {
            throw StoreError(operation: "backup", path: target.directory, errno: EEXIST, detail: "a backup never overwrites; choose a new path")
        }
        guard FileIO.exists(layout.snapshot) else {
            throw StoreError(operation: "backup", path: layout.snapshot, errno: ENOENT, detail: "no store here")
        }
        let frozen = try freeze(layout)
        defer {
            close(frozen.snapshotFD)
            close(frozen.journalFD)
            for file in frozen.audit.files { close(file.fd) }
        }
        let staging = "\(target.directory).partial.\(getpid())"
        if mkdir(staging, 0o700) != 0 { throw .syscall("mkdir", staging) }
        do throws(StoreError) {
            if chmod(staging, 0o700) != 0 { throw .syscall("chmod", staging) }
            let inside = StoreLayout(directory: staging)
            try write(inside.secret, from: .bytes(frozen.secret))
            try write(inside.snapshot, from: .descriptor(frozen.snapshotFD, count: frozen.snapshotBytes, path: layout.snapshot))
            try write(
                inside.journal(generation: frozen.generation),
                from: .descriptor(frozen.journalFD, count: frozen.journalBytes, path: layout.journal(generation: frozen.generation)))
            try write(inside.lock, from: .bytes([]))
            try copyAudit(frozen.audit, into: inside)
            if geteuid() == 0 {
                try giveAway(staging, to: model ?? layout.directory)
                if FileIO.exists(inside.auditDirectory) { try giveAway(inside.auditDirectory, to: model ?? layout.directory) }
            }
            try FileIO.fsyncDirectory(staging)
            if rename(staging, target.directory) != 0 { throw .syscall("rename", target.directory) }
        } catch {
            removeTree(staging)
            throw error
        }
        try FileIO.fsyncDirectory(parent(of: target.directory))
        return Summary(generation: frozen.generation, snapshotBytes: frozen.snapshotBytes, journalBytes: frozen.journalBytes)
    }

    /// The store as of one instant: open descriptors and lengths, taken under the lock.
    private struct Frozen {
        var generation: Int
        var snapshotFD: Int32
        var snapshotBytes: Int
        var journalFD: Int32
        var journalBytes: Int
        var secret: [UInt8]
        var audit = FrozenAudit()
    }

    /// The audit key and files as of the same instant: their lines then hold no event the
    /// copied journal does not (writers append them under the lock), so the restored store
    /// continues the same chain.
    private struct FrozenAudit {
        var key: [UInt8]?
        var anchor: [UInt8]?
        var files: [(name: String, fd: Int32, size: Int)] = []
    }

    private static func freezeAudit(_ layout: StoreLayout) throws(StoreError) -> FrozenAudit {
        var frozen = FrozenAudit()
        guard FileIO.exists(layout.auditKey) else { return frozen }
        frozen.key = try FileIO.readAll(layout.auditKey)
        let audit = AuditLayout(layout)
        if FileIO.exists(audit.anchor) { frozen.anchor = try FileIO.readAll(audit.anchor) }
        do throws(StoreError) {
            for seq in audit.files() {
                let path = audit.file(firstSeq: seq)
                let fd = try FileIO.open(path, O_RDONLY)
                frozen.files.append((AuditLayout.name(firstSeq: seq), fd, try completeLength(fd, path: path)))
            }
        } catch {
            for file in frozen.files { close(file.fd) }
            throw error
        }
        return frozen
    }

    private static func copyAudit(_ frozen: FrozenAudit, into target: StoreLayout) throws(StoreError) {
        guard let key = frozen.key else { return }
        try write(target.auditKey, from: .bytes(key))
        let audit = AuditLayout(target)
        try audit.ensureDirectory()
        if let anchor = frozen.anchor { try write(audit.anchor, from: .bytes(anchor)) }
        for file in frozen.files {
            try write(audit.directory + "/" + file.name, from: .descriptor(file.fd, count: file.size, path: file.name))
        }
        try FileIO.fsyncDirectory(audit.directory)
    }

    private static func freeze(_ layout: StoreLayout) throws(StoreError) -> Frozen {
        let lock = try StoreLock(path: layout.lock)
        guard try lock.acquire(timeoutMilliseconds: lockTimeoutMilliseconds) else {
            throw StoreError(
                operation: "flock", path: layout.lock, errno: EWOULDBLOCK,
                detail: "the store stayed locked for \(lockTimeoutMilliseconds / 1000) s")
        }
        defer { lock.release() }
        let snapshotFD = try FileIO.open(layout.snapshot, O_RDONLY)
        do throws(StoreError) {
            let snapshotBytes = try FileIO.fileSize(snapshotFD, path: layout.snapshot)
            let generation = try headerGeneration(snapshotFD, path: layout.snapshot)
            let journalPath = layout.journal(generation: generation)
            let journalFD = try FileIO.open(journalPath, O_RDONLY)
            do throws(StoreError) {
                let journalBytes = try completeLength(journalFD, path: journalPath)
                let secret = try FileIO.readAll(layout.secret)
                return Frozen(
                    generation: generation, snapshotFD: snapshotFD, snapshotBytes: snapshotBytes, journalFD: journalFD,
                    journalBytes: journalBytes, secret: secret, audit: try freezeAudit(layout))
            } catch {
                close(journalFD)
                throw error
            }
        } catch {
            close(snapshotFD)
            throw error
        }
    }

    /// The generation in the snapshot's header line.
    private static func headerGeneration(_ fd: Int32, path: String) throws(StoreError) -> Int {
        let head = try FileIO.pread(fd, offset: 0, count: 4096, path: path)
        guard let newline = head.firstIndex(of: 0x0A) else {
            throw .corrupt(path, line: 1, offset: 0, "the header line is incomplete")
        }
        do {
            return try RecordCoding.decodeHeader(try JSONParser.parse(head[..<newline])).generation
        } catch {
            throw .corrupt(path, line: 1, offset: 0, "\(error)")
        }
    }

    /// The journal's length up to and including its last newline: a torn last line (a writer
    /// that died mid-append) is left out, as the store itself ignores it.
    private static func completeLength(_ fd: Int32, path: String) throws(StoreError) -> Int {
        var end = try FileIO.fileSize(fd, path: path)
        let chunk = 65_536
        while end > 0 {
            let start = max(0, end - chunk)
            let bytes = try FileIO.pread(fd, offset: start, count: end - start, path: path)
            if let newline = bytes.lastIndex(of: 0x0A) { return start + newline + 1 }
            end = start
        }
        return 0
    }

    private enum Content {
        case bytes([UInt8])
        case descriptor(Int32, count: Int, path: String)
    }

    /// Creates `path` (0600, exclusive) with the content, and fsyncs it.
    private static func write(_ path: String, from content: Content) throws(StoreError) {
        let fd = try FileIO.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        defer { close(fd) }
        if fchmod(fd, 0o600) != 0 { throw .syscall("fchmod", path) }
        switch content {
        case .bytes(let bytes):
            try FileIO.writeAll(fd, bytes, path: path)
        case .descriptor(let source, let count, let sourcePath):
            var offset = 0
            while offset < count {
                let piece = try FileIO.pread(source, offset: offset, count: min(1 << 20, count - offset), path: sourcePath)
                guard !piece.isEmpty else {
                    throw StoreError(operation: "read", path: sourcePath, detail: "the file ended at byte \(offset) of \(count)")
                }
                try FileIO.writeAll(fd, piece, path: path)
                offset += piece.count
            }
        }
        try FileIO.fsync(fd, path: path)
    }

    /// Gives the staging directory and its files the owner and group of `model`.
    private static func giveAway(_ directory: String, to model: String) throws(StoreError) {
        var info = stat()
        if stat(model, &info) != 0 { throw .syscall("stat", model) }
        for name in entries(of: directory) + ["."] {
            let path = directory + "/" + name
            if chown(path, info.st_uid, info.st_gid) != 0 { throw .syscall("chown", path) }
        }
    }

    private static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a staging directory and the files in it (and in its `audit/`).
    private static func removeTree(_ directory: String) {
        let audit = directory + "/audit"
        for name in entries(of: audit) { unlink(audit + "/" + name) }
        rmdir(audit)
        for name in entries(of: directory) { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
