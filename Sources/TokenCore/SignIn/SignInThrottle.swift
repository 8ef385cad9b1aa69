import Synchronization

/// The per-address throttle on sign-in attempts: GitLab's Rack::Attack protected-paths throttle
/// (`/users/sign_in` among them), 10 requests per 60 seconds per client address by default.
///
/// Kept in this worker's memory: each worker counts on its own (so N workers allow N times the
/// rate), which the per-account lock (``AccountLock``, in the store) backs up across hosts. It
/// holds at most ``capacity`` addresses: when full, windows that ended are dropped, and if none
/// has, the oldest half goes, so no client can make it grow.
public final class SignInThrottle: Sendable {
    public let limit: Int
    public let periodMilliseconds: Int64
    public let capacity: Int
    private let windows = Mutex<[String: Window]>([:])

    struct Window {
        var start: Timestamp
        var count: Int
    }

    public init(limit: Int = 10, periodMilliseconds: Int64 = 60_000, capacity: Int = 10_000) {
        self.limit = limit
        self.periodMilliseconds = periodMilliseconds
        self.capacity = capacity
    }

    /// Counts one attempt from `address` at `now`; false when the address is over its limit
    /// (GitLab answers 429 "Retry later"). A missing address is one bucket of its own.
    public func allow(_ address: String?, now: Timestamp) -> Bool {
        let key = String((address ?? "").prefix(64))
        return windows.withLock { windows in
            if var window = windows[key], now < window.start.adding(milliseconds: periodMilliseconds) {
                window.count += 1
                windows[key] = window
                return window.count <= limit
            }
            if windows.count >= capacity { evict(&windows, now: now) }
            windows[key] = Window(start: now, count: 1)
            return 1 <= limit
        }
    }

    /// Addresses being counted now (tests, metrics).
    public var trackedAddresses: Int { windows.withLock { $0.count } }

    private func evict(_ windows: inout [String: Window], now: Timestamp) {
        windows = windows.filter { now < $0.value.start.adding(milliseconds: periodMilliseconds) }
        guard windows.count >= capacity else { return }
        let newest = windows.sorted { $0.value.start > $1.value.start }.prefix(capacity / 2)
        windows = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
    }
}
