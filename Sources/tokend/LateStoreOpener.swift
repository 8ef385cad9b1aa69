import FastCGIServer
import Logging
import Synchronization
import TokenAPI
import TokenCore
import TokendSettings

/// Opens a worker's store after start-up, when it could not be opened then (PostgreSQL not up
/// yet after a power cut, the data directory unreadable until an operator fixes it). Until it
/// opens, the worker answers from an ``UnreachableStore``; once it opens, the handle answers
/// from the store, without a restart. Attempts back off: after 1, 2, 4, then every 5 seconds.
final class LateStoreOpener: Sendable {
    /// The longest wait between two attempts, in seconds.
    static let maximumDelay = 5

    private let backend: StoreBackend
    private let settings: Settings
    private let handle: ApplicationHandle
    private let makeApplication: @Sendable (ServedStore) -> Application
    private let logger: Logger
    /// Seconds since the last attempt, the wait before the next, the reason last logged; nil once opened.
    private let state: Mutex<(elapsed: Int, delay: Int, reason: String)?>

    init(
        backend: StoreBackend, settings: Settings, handle: ApplicationHandle, reason: RepositoryError, logger: Logger,
        makeApplication: @escaping @Sendable (ServedStore) -> Application
    ) {
        self.backend = backend
        self.settings = settings
        self.handle = handle
        self.makeApplication = makeApplication
        self.logger = logger
        state = Mutex((elapsed: 0, delay: 1, reason: reason.message))
    }

    /// The service that attempts the open: every second it counts down, and attempts when due.
    var service: PeriodicTask {
        PeriodicTask("store open", every: .seconds(1), runsAtStop: false) { [self] in tick() }
    }

    private func tick() {
        let due = state.withLock { current -> Bool in
            guard var waiting = current else { return false }
            waiting.elapsed += 1
            let due = waiting.elapsed >= waiting.delay
            if due { (waiting.elapsed, waiting.delay) = (0, min(waiting.delay * 2, Self.maximumDelay)) }
            current = waiting
            return due
        }
        guard due else { return }
        do {
            let store = try backend.open(settings, for: .worker)
            handle.replace(with: makeApplication(store))
            state.withLock { $0 = nil }
            logger.notice("the store opened: serving")
        } catch {
            let reason = StoreBackend.notReady(error) ?? RepositoryError(.unavailable, "cannot open the store: \(error)")
            let changed = state.withLock { current -> Bool in
                defer { current?.reason = reason.message }
                return current?.reason != reason.message
            }
            handle.replace(with: makeApplication(backend.unreachable(reason)))
            if changed { logger.error("the store cannot be opened yet: answering 503", metadata: ["error": "\(reason.message)"]) }
        }
    }
}
