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
    ///
    /// `flock` has no timeout, so a held lock is polled. Holders keep it for about one
    /// `fdatasync` (well under a millisecond), so polls are short (50 µs, doubling to at most
    /// 1 ms): with long pauses a waiter in one process kept missing the moments another
    /// process's threads let go, and 1% of writes waited hundreds of milliseconds.
    func acquire(timeoutMilliseconds: Int) throws(StoreError) -> Bool {
        var waited = 0
        var pause = 50
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK else { throw StoreError(operation: "flock", path: path, errno: code) }
            if waited >= timeoutMilliseconds * 1000 { return false }
            usleep(useconds_t(pause))
            waited += pause
            pause = min(pause * 2, 1000)
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
    }
}
