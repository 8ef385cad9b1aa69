#if canImport(Glibc)
import Glibc
#endif

/// Who may compact: `flock` on the data directory itself, which, like `tokens.lock`, is never
/// replaced. Held for a whole compaction, most of which runs without the store lock, so that
/// one process and one thread at a time rewrites the snapshot and temp files of a live
/// compaction are not swept. Each instance opens its own descriptor (its own open file
/// description), so instances exclude each other within a process too.
///
/// Always taken before the store lock, never while waiting for it: no deadlock.
final class CompactionLock {
    private let descriptor: Int32

    /// Takes the lock, waiting at most `timeoutMilliseconds` (0: one try); nil when it stays held.
    init?(directory: String, timeoutMilliseconds: Int = 0) throws(StoreError) {
        let fd = try FileIO.open(directory, O_RDONLY | O_DIRECTORY)
        var waited = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK, waited < timeoutMilliseconds else {
                close(fd)
                if code == EWOULDBLOCK { return nil }
                throw StoreError(operation: "flock", path: directory, errno: code)
            }
            usleep(10_000)
            waited += 10
        }
        descriptor = fd
    }

    /// Releases the lock (closing the descriptor does).
    deinit { close(descriptor) }
}
