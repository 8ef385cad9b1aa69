#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file that is never modified in place (a snapshot: they
/// are only ever replaced by rename), so its bytes cannot change or shrink under the map.
/// Not for the journal, which a writer may truncate (a torn tail): touching a page past a
/// truncated end raises SIGBUS.
///
/// The pages are the page cache's: mapping costs no copy, and unmapping (at deinit) returns
/// them, so nothing of the file stays in the process's memory after the last use.
final class MappedFile: @unchecked Sendable {
    let path: String
    let count: Int
    private let base: UnsafeRawPointer?

    /// Maps the file open at `fd` (the descriptor may be closed afterwards).
    init(descriptor fd: Int32, path: String) throws(StoreError) {
        self.path = path
        count = try FileIO.fileSize(fd, path: path)
        guard count > 0 else {
            base = nil
            return
        }
        let pointer = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let pointer, pointer != MAP_FAILED else { throw .syscall("mmap", path) }
        base = UnsafeRawPointer(pointer)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// Tells the kernel the bytes will be read once, front to back (more read-ahead, and pages
    /// behind the reader may be dropped first).
    func adviseSequential() {
        if let base { madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_SEQUENTIAL) }
    }

    /// The file's bytes, valid only inside `body`.
    func withBytes<T, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> T) throws(E) -> T {
        guard let base else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count))
    }
}
