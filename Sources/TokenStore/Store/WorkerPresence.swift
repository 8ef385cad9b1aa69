#if canImport(Glibc)
import Glibc
#endif

/// How `tokend store restore` knows that workers serve from a data directory: every worker
/// (and every CGI request) holds a shared `flock` on `workers.lock` for as long as it serves;
/// a restore takes it exclusively without waiting, and refuses when it cannot. The kernel lets
/// go of a worker's lock when it exits, kill -9 included, so no stale PID file blocks a restore
/// and no worker is missed, whoever started it (systemd, spawn-fcgi, Apache).
public final class WorkerPresence: Sendable {
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Announces this process as a worker of the directory: the shared lock, on a descriptor
    /// kept open until the process exits (a worker serves one directory for its whole life).
    /// Throws (`EWOULDBLOCK`) while a restore holds the lock.
    /// Where the file cannot be created (a read-only filesystem, a directory this user may
    /// read but not write: no restore or write can happen through it) it is opened read-only,
    /// or skipped when it does not exist.
    public static func announce(in layout: StoreLayout) throws(StoreError) {
        let path = layout.directory + "/workers.lock"
        let fd: Int32
        do {
            fd = try FileIO.open(path, O_RDWR | O_CREAT, mode: 0o600)
        } catch where error.errno == EROFS || error.errno == EACCES {
            guard let readOnly = try? FileIO.open(path, O_RDONLY) else { return }
            fd = readOnly
        }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw StoreError(operation: "flock", path: path, errno: code, detail: "a restore is replacing the store")
        }
    }

    /// The exclusive lock for a restore, or the PIDs of the processes that hold the shared
    /// one (from `/proc/locks`; empty when they cannot be read).
    public static func exclusive(in layout: StoreLayout) throws(StoreError) -> Result<WorkerPresence, Holders> {
        let presence = try open(layout)
        guard flock(presence.descriptor, LOCK_EX | LOCK_NB) == 0 else {
            return .failure(Holders(pids: holders(of: presence.descriptor)))
        }
        return .success(presence)
    }

    /// The processes that hold a data directory's workers' lock.
    public struct Holders: Error, Sendable {
        public var pids: [Int32]
    }

    private static func open(_ layout: StoreLayout) throws(StoreError) -> WorkerPresence {
        let path = layout.directory + "/workers.lock"
        let fd = try FileIO.open(path, O_RDWR | O_CREAT, mode: 0o600)
        return WorkerPresence(path: path, descriptor: fd)
    }

    /// PIDs holding an flock on the file of `fd`, by its inode in `/proc/locks`
    /// (`1: FLOCK  ADVISORY  READ 1234 08:01:5678 0 EOF`).
    private static func holders(of fd: Int32) -> [Int32] {
        var info = stat()
        guard fstat(fd, &info) == 0, let text = readProcLocks() else { return [] }
        let inode = ":\(info.st_ino)"
        let pids = text.split(separator: "\n").compactMap { line -> Int32? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", fields[5].hasSuffix(inode) else { return nil }
            return Int32(fields[4]).flatMap { $0 > 0 && $0 != getpid() ? $0 : nil }
        }
        return Array(Set(pids)).sorted()
    }

    /// `/proc/locks` (its size reads as 0: read to the end).
    private static func readProcLocks() -> String? {
        guard let fd = try? FileIO.open("/proc/locks", O_RDONLY) else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < 1 << 22 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
