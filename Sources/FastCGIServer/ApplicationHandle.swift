import Synchronization
public import TokenAPI

/// The application a worker answers with, which may be replaced once while it serves: a worker
/// that started before its store could be opened answers from an ``UnreachableStore`` until
/// the store opens, then from the store (``replace(with:)``), without a restart.
public final class ApplicationHandle: Sendable {
    private let current: Mutex<Application>

    public init(_ application: Application) { current = Mutex(application) }

    /// The application to answer the next request with.
    public var application: Application { current.withLock { $0 } }

    /// From the next request on, answers with `application`.
    public func replace(with application: Application) { current.withLock { $0 = application } }
}
