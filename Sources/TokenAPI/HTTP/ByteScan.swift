/// Scans over a String's UTF-8 bytes in place, for the request path: the generic
/// `String.UTF8View` iteration (`firstIndex(of:)`, `contains(where:)`) cost about 25
/// instructions a byte there, a request target's checks and splits about 5,000 a request.
/// A native String's bytes are contiguous; any other takes the generic way.
public enum ByteScan {
    /// The offset of the first `byte` in `text`'s UTF-8, if there is one.
    @inlinable
    public static func firstOffset(of byte: UInt8, in text: some StringProtocol) -> Int? {
        let found: Int?? = text.utf8.withContiguousStorageIfAvailable { bytes in bytes.firstIndex(of: byte) }
        if let found { return found }
        return text.utf8.firstIndex(of: byte).map { text.utf8.distance(from: text.utf8.startIndex, to: $0) }
    }

    /// Whether a byte of `text`'s UTF-8 satisfies `predicate`.
    @inlinable
    public static func contains(_ text: some StringProtocol, where predicate: (UInt8) -> Bool) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in bytes.contains(where: predicate) } ?? text.utf8.contains(where: predicate)
    }

    /// Whether `text`'s UTF-8 starts with `prefix`'s.
    @inlinable
    public static func hasPrefix(_ text: some StringProtocol, _ prefix: StaticString) -> Bool {
        let prefix = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        return text.utf8.withContiguousStorageIfAvailable { bytes in bytes.starts(with: prefix) } ?? text.utf8.starts(with: prefix)
    }

    /// The index of the first `byte` in `text`, if there is one.
    @inlinable
    public static func firstIndex(of byte: UInt8, in text: String) -> String.Index? {
        firstOffset(of: byte, in: text).map { text.utf8.index(text.utf8.startIndex, offsetBy: $0) }
    }
}
