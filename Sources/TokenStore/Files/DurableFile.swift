#if canImport(Glibc)
import Glibc
#endif

/// Creates and replaces files so that a crash leaves either the old or the new content:
/// temp file (0600, O_EXCL) in the same directory, write, fsync, rename, fsync the directory.
/// A replacement comes in two halves so that the long one (writing) can happen outside the
/// store lock and the short one (rename) inside it.
enum DurableFile {
    /// Writes `bytes` to a new temp file beside `path` (0600, O_EXCL) and fsyncs it: the first
    /// half of a replacement, which ``install(_:at:directory:failpoints:)`` completes. Returns
    /// the temp file's path; nothing is left behind on failure.
    static func prepare(for path: String, with bytes: [UInt8], directory: String) throws(StoreError) -> String {
        let temp = "\(directory)/.\(basename(path)).\(getpid()).tmp"
        unlink(temp)
        let fd = try FileIO.open(temp, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        do throws(StoreError) {
            if fchmod(fd, 0o600) != 0 { throw StoreError.syscall("fchmod", temp) }
            try FileIO.writeAll(fd, bytes, path: temp)
            try FileIO.fsync(fd, path: temp)
            close(fd)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        return temp
    }

    /// Renames a prepared temp file over `path` (the temp file is removed if that fails). The
    /// caller then fsyncs the directory: only after that is the new content durable.
    static func install(_ temp: String, at path: String, failpoints: Failpoints) throws(StoreError) {
        failpoints.hit("snapshot.after-fsync-before-rename")
        if rename(temp, path) != 0 {
            let failure = StoreError.syscall("rename", path)
            unlink(temp)
            throw failure
        }
        failpoints.hit("snapshot.after-rename-before-dirsync")
    }

    /// Creates `path` with `bytes` only if it does not exist yet (mode 0600); false if it did.
    static func createExclusive(at path: String, with bytes: [UInt8], directory: String) throws(StoreError) -> Bool {
        let fd: Int32
        do {
            fd = try FileIO.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        } catch {
            if error.errno == EEXIST { return false }
            throw error
        }
        defer { close(fd) }
        if fchmod(fd, 0o600) != 0 { throw StoreError.syscall("fchmod", path) }
        try FileIO.writeAll(fd, bytes, path: path)
        try FileIO.fsync(fd, path: path)
        try FileIO.fsyncDirectory(directory)
        return true
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
