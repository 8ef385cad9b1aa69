public import Logging

/// Services started in order and stopped in the reverse order (swift-service-lifecycle's
/// `ServiceGroup`): what starts last, the accept threads, stops first, so the flushers that
/// started before them write what the last requests left.
public final class ServiceGroup: Sendable {
    public let services: [any Service]
    let logger: Logger

    public init(_ services: [any Service], logger: Logger) {
        self.services = services
        self.logger = logger
    }

    /// Starts every service in order. When one cannot start, those already started are stopped
    /// and the error is thrown.
    public func start() throws {
        for (index, service) in services.enumerated() {
            do {
                try service.start()
            } catch {
                logger.critical("could not start a service", metadata: ["service": "\(service.name)", "error": "\(error)"])
                for started in services[..<index].reversed() { started.shutdown() }
                throw error
            }
        }
    }

    /// Stops every service, last started first; returns when all have stopped.
    public func shutdown() {
        for service in services.reversed() { service.shutdown() }
    }
}
