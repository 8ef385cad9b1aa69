#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A service that runs `work` on a thread of its own every `interval`, and (unless told not to)
/// once more when it stops, so nothing it holds is lost at shutdown: the request log's batch (every second), the
/// failed authentications' batch (every five seconds).
public final class PeriodicTask: Service {
    public let name: String
    let interval: Duration
    let work: @Sendable () -> Void
    /// Whether `work` runs once more when the task stops (a flusher's last batch).
    let runsAtStop: Bool
    private let signal = StopSignal()
    private let thread = Mutex<pthread_t?>(nil)

    public init(_ name: String, every interval: Duration, runsAtStop: Bool = true, _ work: @escaping @Sendable () -> Void) {
        self.name = name
        self.interval = interval
        self.runsAtStop = runsAtStop
        self.work = work
    }

    public func start() throws {
        try thread.withLock { current in
            guard current == nil else { return }
            let context = Unmanaged.passRetained(self).toOpaque()
            var handle = pthread_t()
            let rc = pthread_create(&handle, nil, { raw in
                let task = Unmanaged<PeriodicTask>.fromOpaque(raw!).takeRetainedValue()
                task.loop()
                return nil
            }, context)
            guard rc == 0 else {
                Unmanaged<PeriodicTask>.fromOpaque(context).release()
                throw ServiceError(service: name, errno: rc)
            }
            current = handle
        }
    }

    /// Wakes the thread, which runs `work` a last time and returns; joins it.
    public func shutdown() {
        signal.stop()
        guard let handle = thread.withLock({ current -> pthread_t? in
            defer { current = nil }
            return current
        }) else { return }
        pthread_join(handle, nil)
    }

    /// Whether the thread is running (started, not yet stopped).
    public var isRunning: Bool { thread.withLock { $0 != nil } }

    private func loop() {
        while signal.wait(for: interval) { work() }
        if runsAtStop { work() }
    }
}

/// A service's thread could not be created.
public struct ServiceError: Error, CustomStringConvertible {
    public var service: String
    public var errno: Int32
    public var description: String { "\(service): pthread_create failed (\(errno))" }
}

/// A stop flag a thread can wait on with a timeout, woken at once when it is set.
final class StopSignal: @unchecked Sendable {
    // The mutex and condition live at fixed addresses for the life of the object (pthread
    // objects must not move); `stopped` is only read and written under the mutex.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var stopped = false

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Sets the flag and wakes every waiter.
    func stop() {
        pthread_mutex_lock(mutex)
        stopped = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits up to `duration`; true when the time passed, false when the flag is set.
    func wait(for duration: Duration) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !stopped {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return !stopped }
        }
        return false
    }
}
