#if canImport(Glibc)
import Glibc
#endif
import TokenCore

/// Shared flushes (group commit): writers append under the store lock, let go of it, and then
/// wait here until an `fdatasync` that began after their append has returned. One thread of the
/// process flushes at a time, for every writer that appended before it began; the others wait
/// on a condition. A flush another process already published in ``SharedCounters/durable``
/// covers our lines too, and then nobody here flushes at all.
///
/// Nothing here holds the store lock, so a flusher killed mid-flush wedges no one: its own
/// waiters die with it, and every other process flushes for itself.
final class GroupCommit: @unchecked Sendable {
    /// What a writer waits for: the journal is on disk up to `position`.
    struct Ticket {
        var position: SharedCounters.Position
        /// The journal the lines went to (kept open by this reference until flushed).
        var journal: JournalFile
    }

    enum Coverage {
        case covered, pending, undone
    }

    let counters: SharedCounters
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var flushing = false
    /// The newest append of this process (what the next flush covers).
    private var newest: Ticket?
    /// A failed flush: final for this process (shared/store.md pitfall 5).
    private var failure: RepositoryError?

    init(counters: SharedCounters) {
        self.counters = counters
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Call holding the store lock, right after the append the ticket names.
    func appended(_ ticket: Ticket) {
        pthread_mutex_lock(&mutex)
        if newest.map({ $0.position < ticket.position }) ?? true { newest = ticket }
        pthread_mutex_unlock(&mutex)
    }

    /// Whether a flush covers the ticket, or its lines were cut off after a failed flush.
    func coverage(of ticket: Ticket) -> Coverage {
        let durable = counters.durable
        if durable.epoch == ticket.position.epoch { return durable.offset >= ticket.position.offset ? .covered : .pending }
        if durable.epoch < ticket.position.epoch { return .pending }
        // A later epoch: a compaction synced everything of ours into it, unless an undo began it.
        return counters.wasUndone(epoch: ticket.position.epoch) ? .undone : .covered
    }

    /// Returns once the ticket's lines are on disk; throws when they never will be (a failed
    /// flush, here or in another process). `flush` syncs a journal; on failure it has already
    /// marked the store failed and cut the unflushed lines off.
    func waitUntilDurable(_ ticket: Ticket, flush: (Ticket) throws(StoreError) -> Void) throws(RepositoryError) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while true {
            switch coverage(of: ticket) {
            case .covered: return
            case .undone: throw RepositoryError(.failed, "the store could not make this write durable (a flush failed); it was not saved")
            case .pending: break
            }
            if let failure { throw failure }
            if flushing {
                pthread_cond_wait(&condition, &mutex)
                continue
            }
            flushing = true
            let target = newest ?? ticket
            pthread_mutex_unlock(&mutex)
            var failed: StoreError?
            if coverage(of: target) == .pending {
                do throws(StoreError) {
                    try flush(target)
                    counters.publishDurable(target.position)
                } catch {
                    failed = error
                }
            }
            pthread_mutex_lock(&mutex)
            flushing = false
            if let failed { failure = RepositoryError(.failed, "\(failed); this worker refuses writes until it is restarted") }
            pthread_cond_broadcast(&condition)
        }
    }
}

/// An open journal, closed when the last user lets go: the store replaces its journal at a
/// compaction while a flusher may still be syncing the old one.
final class JournalFile: @unchecked Sendable {
    let fd: Int32
    let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }
}
