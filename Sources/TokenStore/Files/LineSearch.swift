#if canImport(Glibc)
import Glibc
#endif

/// Finds the lines of a JSON Lines buffer that contain a byte string, with `memmem`, without
/// looking at the other lines: how a single record is found in a large snapshot or journal.
///
/// Only complete lines are reported (a line ends with `\n`); bytes after the last newline (a
/// torn tail) are never part of a match.
enum LineSearch {
    /// Calls `visit` with the range of each complete line containing `needle`, front to back,
    /// each line once, until `visit` returns false.
    static func lines(
        containing needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>,
        _ visit: (Range<Int>) throws(StoreError) -> Bool
    ) throws(StoreError) {
        guard let base = bytes.baseAddress, !needle.isEmpty else { return }
        var from = 0
        while from < bytes.count {
            let hit = needle.withUnsafeBytes { n in
                Self.memmem(UnsafeRawPointer(base + from), bytes.count - from, n.baseAddress!, n.count)
            }
            guard let hit else { return }
            let offset = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            guard let end = newline(in: bytes, from: offset + needle.count) else { return }
            let start = lineStart(in: bytes, before: offset)
            guard try visit(start..<end) else { return }
            from = end + 1
        }
    }

    /// The offset of the first `\n` at or after `offset`, or nil.
    static func newline(in bytes: UnsafeBufferPointer<UInt8>, from offset: Int) -> Int? {
        guard let base = bytes.baseAddress, offset < bytes.count else { return nil }
        guard let found = memchr(base + offset, 0x0A, bytes.count - offset) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// The offset of the line holding `offset`: just after the previous `\n`, or 0.
    static func lineStart(in bytes: UnsafeBufferPointer<UInt8>, before offset: Int) -> Int {
        var index = offset
        while index > 0, bytes[index - 1] != 0x0A { index -= 1 }
        return index
    }

    /// glibc's `memmem` (a GNU extension the Glibc module does not import): found once by name.
    static let memmem: @convention(c) (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "memmem") else { fatalError("libc has no memmem") }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer?).self)
    }()

    /// The 1-based line number of the line starting at `offset` (for error messages only).
    static func lineNumber(in bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int {
        var line = 1
        var at = 0
        while let next = newline(in: bytes, from: at), next < offset {
            line += 1
            at = next + 1
        }
        return line
    }
}
