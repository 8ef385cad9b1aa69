#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TokenCore

/// The writes of one process waiting to go to the database together (group commit).
///
/// A thread that writes queues its transaction; when no batch is being formed, it leads: it
/// takes every queued write (at most ``maximumBatch``), runs them, and wakes their threads once
/// the call that holds them has committed or failed; then it hands the lead to the first write
/// still queued. While one batch waits for its commit the next one gathers, so N concurrent
/// writes cost about one round trip and one commit per batch instead of one each.
final class WriteQueue: Sendable {
    /// Most writes in one call of `tokend.write`.
    static let maximumBatch = 64
    private let queue = Mutex<(waiting: [QueuedWrite], leading: Bool)>(([], false))

    init() {}

    /// Writes queued and not yet taken into a batch.
    var waiting: Int { queue.withLock { $0.waiting.count } }

    /// Queues `write` and returns once the batch that holds it has committed or failed
    /// (``QueuedWrite/failure``): another thread's batch, or one this thread leads, running
    /// `execute` with the writes it took.
    func submit(_ write: QueuedWrite, execute: ([QueuedWrite]) -> Void) {
        let leads = queue.withLock { queue -> Bool in
            queue.waiting.append(write)
            if queue.leading { return false }
            queue.leading = true
            return true
        }
        if !leads, write.waitForTurn() == .done { return }
        // The leader is the first write queued: its batch holds it.
        let batch = queue.withLock { queue -> [QueuedWrite] in
            let taken = Array(queue.waiting.prefix(Self.maximumBatch))
            queue.waiting.removeFirst(taken.count)
            return taken
        }
        execute(batch)
        for taken in batch { taken.run = nil }
        let next = queue.withLock { queue -> QueuedWrite? in
            guard let first = queue.waiting.first else {
                queue.leading = false
                return nil
            }
            return first
        }
        for other in batch where other !== write { other.wake(.done) }
        next?.wake(.lead)
    }
}

/// One write in a ``WriteQueue``: its transaction, run on the replica by whichever thread leads
/// its batch, and the signal its own thread waits on.
final class QueuedWrite: @unchecked Sendable {
    enum Turn: Equatable { case waiting, lead, done }

    /// Runs the write's transaction (its result stays with the caller's closure); let go once
    /// its batch is over, before its thread is woken: the caller's closure must not outlive
    /// its call (`withoutActuallyEscaping`).
    fileprivate(set) var run: ((inout StoreState, any TransactionStorage) -> Void)?
    /// Set when the batch's call did not commit: the write's answer.
    var failure: (any Error)?
    private let turn = Mutex<Turn>(.waiting)
    private let signal: UnsafeMutablePointer<sem_t>

    init(_ run: @escaping (inout StoreState, any TransactionStorage) -> Void) {
        self.run = run
        signal = .allocate(capacity: 1)
        sem_init(signal, 0, 0)
    }

    deinit {
        sem_destroy(signal)
        signal.deallocate()
    }

    /// Blocks until the write is done, or this thread is to lead the next batch.
    func waitForTurn() -> Turn {
        while true {
            let current = turn.withLock { $0 }
            if current != .waiting { return current }
            _ = sem_wait(signal)
        }
    }

    func wake(_ next: Turn) {
        turn.withLock { $0 = next }
        sem_post(signal)
    }
}
