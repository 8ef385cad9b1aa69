#if canImport(Glibc)
import Glibc
#endif

/// The cross-process write lock: `flock` on `tokens.lock`, a file that is never replaced or
/// removed, opened once per process (after any fork) and kept open.
///
/// `flock` belongs to the open file description, so threads of one process share it: the store
/// puts an in-process mutex in front of it.
final class StoreLock: Sendable {
    let path: String
    let descriptor: Int32
    /// True when the lock file could only be opened read-only (a read-only filesystem).
    let readOnly: Bool

    init(path: String) throws(StoreError) {
        self.path = path
        do {
            descriptor = try FileIO.open(path, O_RDWR | O_CREAT, mode: 0o600)
            readOnly = false
            fchmod(descriptor, 0o600)
        } catch where error.errno == EROFS {
            descriptor = try FileIO.open(path, O_RDONLY)
            readOnly = true
        }
    }

    deinit { close(descriptor) }

    /// Takes the lock, retrying for at most `timeoutMilliseconds`; false when it stays held.
    func acquire(timeoutMilliseconds: Int) throws(StoreError) -> Bool {
        var waited = 0
        var pause = 1
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK else { throw StoreError(operation: "flock", path: path, errno: code) }
            if waited >= timeoutMilliseconds { return false }
            usleep(useconds_t(pause * 1000))
            waited += pause
            pause = min(pause * 2, 50)
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
    }
}
