/// Work that runs beside the requests, for the life of the worker: the FastCGI accept threads,
/// the periodic flushers. A small protocol of our own (swift-service-lifecycle's `Service`, for
/// threads rather than tasks): ``start()`` returns once the work is running, ``shutdown()``
/// once it has finished what it holds and its threads have returned.
public protocol Service: AnyObject, Sendable {
    /// A name for the log.
    var name: String { get }
    /// Starts the work; returns at once.
    func start() throws
    /// Stops the work: finishes what it holds, and returns when its threads have returned.
    /// Calling it again, or on a service never started, does nothing.
    func shutdown()
}
