import Synchronization
public import TokenCore

/// Failed authentications on their way to the audit log: recorded on the request path in a
/// few hundred nanoseconds (a lock and a dictionary update, no I/O), folded by reason, address
/// and token (``FailedAuthentication``), and written in batches by ``flush()``: every few
/// seconds by the worker's flusher thread, or once at the end of a CGI request. A flood of bad
/// tokens therefore costs at most ``FailedAuthentication/eventsPerFlush`` + 1 lines per batch,
/// whatever its size. Best effort: a batch that cannot be written is dropped, with a count.
public final class FailedAuthenticationLog: Sendable {
    /// Where a batch goes (a store write, or the CGI spill file).
    public typealias Sink = @Sendable ([AuditEvent]) throws -> Void

    private struct Buffer {
        var events: [AuditEvent] = []
        var index: [FailedAuthentication.Key: Int] = [:]
        var overflow: AuditEvent?
    }

    private let buffer = Mutex(Buffer())
    private let sink: Sink
    private let dropped = Atomic<Int>(0)

    public init(sink: @escaping Sink) { self.sink = sink }

    /// A log whose batches are written in one transaction of `repository`.
    public static func writing(to repository: any TokenRepository) -> FailedAuthenticationLog {
        FailedAuthenticationLog { events in
            try repository.write { state in for event in events { state.recordAudit(event) } }
        }
    }

    /// Folds one failure into the current batch.
    public func record(_ event: AuditEvent) {
        buffer.withLock { buffer in
            let key = FailedAuthentication.Key(event)
            if let at = buffer.index[key] {
                buffer.events[at].count = (buffer.events[at].count ?? 1) + 1
            } else if buffer.events.count < FailedAuthentication.eventsPerFlush {
                buffer.index[key] = buffer.events.count
                buffer.events.append(event)
            } else if var overflow = buffer.overflow {
                overflow.count = (overflow.count ?? 0) + 1
                buffer.overflow = overflow
            } else {
                buffer.overflow = FailedAuthentication.summary(from: event)
            }
        }
    }

    /// Writes the current batch, if any; returns how many events it held.
    @discardableResult
    public func flush() -> Int {
        let batch = buffer.withLock { buffer -> [AuditEvent] in
            defer { buffer = Buffer() }
            return buffer.events + (buffer.overflow.map { [$0] } ?? [])
        }
        guard !batch.isEmpty else { return 0 }
        do {
            try sink(batch)
        } catch {
            dropped.add(batch.count, ordering: .relaxed)
        }
        return batch.count
    }

    /// Batches that could not be written, in events.
    public var droppedEvents: Int { dropped.load(ordering: .relaxed) }
}
