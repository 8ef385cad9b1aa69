#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where tokend's log lines go (stderr, by default): request lines are buffered and written in
/// batches, every other line at once. One `write(2)` per request was measured at one syscall
/// per request, 178,564 of them in a 12-second load run; a batch is one per 32 KB or per second.
///
/// An immediate line first writes what is buffered, so lines keep their order.
public final class LogSink: Sendable {
    private let descriptor: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let batchBytes: Int

    public init(descriptor: Int32 = 2, batchBytes: Int = 32 * 1024) {
        self.descriptor = descriptor
        self.batchBytes = batchBytes
    }

    /// Appends a line to the batch; writes the batch when it is full.
    public func buffered(_ line: [UInt8]) {
        let full: [UInt8]? = buffer.withLock { pending in
            pending.append(contentsOf: line)
            guard pending.count >= batchBytes else { return nil }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if let full { write(full) }
    }

    /// Writes what is buffered, then `line`, now.
    public func immediate(_ line: [UInt8]) {
        let pending = buffer.withLock { pending -> [UInt8] in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        write(pending + line)
    }

    /// Writes what is buffered (the worker's once-a-second flush, and at shutdown).
    public func flush() { immediate([]) }

    private func write(_ bytes: [UInt8]) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            written += n
        }
    }
}
