#if canImport(Glibc)
import Glibc
#endif

/// Thin, EINTR-safe wrappers over the system calls the store uses. Each throws a ``StoreError``
/// naming the call and the path.
enum FileIO {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(StoreError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .syscall("open", path) }
        }
    }

    /// Writes all of `bytes` at the end (O_APPEND) or current offset, handling short writes.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(StoreError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .syscall("write", path)
            }
            if n == 0 { throw StoreError(operation: "write", path: path, errno: ENOSPC) }
            written += n
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(StoreError) {
        if Glibc.fsync(fd) != 0 { throw .syscall("fsync", path) }
    }

    static func fdatasync(_ fd: Int32, path: String) throws(StoreError) {
        if Glibc.fdatasync(fd) != 0 { throw .syscall("fdatasync", path) }
    }

    static func fsyncDirectory(_ path: String) throws(StoreError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    /// Reads `count` bytes at `offset` (fewer at end of file).
    static func pread(_ fd: Int32, offset: Int, count: Int, path: String) throws(StoreError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .syscall("pread", path)
            }
            if n == 0 { break }
            done += n
        }
        if done < count { buffer.removeLast(count - done) }
        return buffer
    }

    static func fileSize(_ fd: Int32, path: String) throws(StoreError) -> Int {
        var st = stat()
        if fstat(fd, &st) != 0 { throw .syscall("fstat", path) }
        return Int(st.st_size)
    }

    /// (device, inode) of a path, or nil when it does not exist.
    static func identity(ofPath path: String) throws(StoreError) -> FileIdentity? {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT { return nil }
            throw .syscall("stat", path)
        }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    static func identity(ofDescriptor fd: Int32, path: String) throws(StoreError) -> FileIdentity {
        var st = stat()
        if fstat(fd, &st) != 0 { throw .syscall("fstat", path) }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func readAll(_ path: String) throws(StoreError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        let size = try fileSize(fd, path: path)
        return try pread(fd, offset: 0, count: size, path: path)
    }
}

/// Which file a path or descriptor names, independent of timestamps.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
}
