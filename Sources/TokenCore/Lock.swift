import Synchronization

/// A minimal lock for small critical sections in the domain's test helpers.
final class SpinLock: Sendable {
    private let mutex = Mutex(())
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock { _ in try body() }
    }
}
