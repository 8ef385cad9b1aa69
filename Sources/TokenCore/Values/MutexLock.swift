import Synchronization

/// A mutex for small critical sections (the in-memory repository, the seeded random source).
final class MutexLock: Sendable {
    private let mutex = Mutex(())
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock { _ in try body() }
    }
}
