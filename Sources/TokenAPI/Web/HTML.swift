/// A fragment of HTML that is safe by construction: the literal parts of a `"…"` are the
/// page's own markup, and every interpolated `String` (or anything else that is not `HTML`) is
/// escaped for text and attribute values alike (`&`, `<`, `>`, `"`, `'`). Only another `HTML`
/// value is inserted as is, so user text cannot become markup without a visible `HTML(raw:)`.
///
/// The markup is kept as UTF-8 bytes, the response body's own form: a page appends its rows
/// into one buffer (``append(text:)``, ``append(date:)``, …) instead of nesting fragments, and
/// the finished page becomes the body without another copy.
public struct HTML: Sendable, ExpressibleByStringInterpolation, Equatable {
    /// The markup's UTF-8 bytes, already escaped.
    public internal(set) var utf8: [UInt8]

    public init(stringLiteral value: String) { utf8 = Array(value.utf8) }
    public init(stringInterpolation: Interpolation) { utf8 = stringInterpolation.utf8 }

    /// Markup written by tokend itself (a constant, never user text).
    init(raw markup: String) { utf8 = Array(markup.utf8) }

    /// An empty fragment with room for `capacity` bytes, for a page that appends its parts.
    init(reservingCapacity capacity: Int) {
        utf8 = []
        utf8.reserveCapacity(capacity)
    }

    public static let empty = HTML(raw: "")

    /// The markup as text.
    public var markup: String { String(decoding: utf8, as: UTF8.self) }

    public struct Interpolation: StringInterpolationProtocol {
        var utf8: [UInt8] = []
        public init(literalCapacity: Int, interpolationCount: Int) { utf8.reserveCapacity(literalCapacity + 16 * interpolationCount) }
        public mutating func appendLiteral(_ literal: String) { utf8.append(contentsOf: literal.utf8) }
        /// Text: escaped.
        public mutating func appendInterpolation(_ text: String) { HTML.escape(text, into: &utf8) }
        public mutating func appendInterpolation(_ text: Substring) { HTML.escape(text, into: &utf8) }
        /// A number: its digits.
        public mutating func appendInterpolation(_ number: Int) { HTML.digits(number, into: &utf8) }
        /// Markup: as is.
        public mutating func appendInterpolation(_ html: HTML) { utf8.append(contentsOf: html.utf8) }
        /// Several fragments, one after another.
        public mutating func appendInterpolation(_ fragments: [HTML]) { for html in fragments { utf8.append(contentsOf: html.utf8) } }
        /// Markup or nothing.
        public mutating func appendInterpolation(_ html: HTML?) { if let html { utf8.append(contentsOf: html.utf8) } }
    }

    /// Appends one fragment.
    public mutating func append(_ other: HTML) { utf8.append(contentsOf: other.utf8) }

    /// Appends tokend's own markup (a literal in the source, never user text).
    mutating func append(markup literal: StaticString) {
        utf8.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends text, escaped.
    mutating func append(text: some StringProtocol) { HTML.escape(text, into: &utf8) }

    /// Appends a number's digits.
    mutating func append(number: Int) { HTML.digits(number, into: &utf8) }

    /// Escapes text for an element's content or a quoted attribute value: one pass over its
    /// UTF-8 bytes, copying the runs between the five special bytes as they are.
    static func escape(_ text: some StringProtocol, into out: inout [UInt8]) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { escape($0, into: &out) }
        if done == nil {
            var copy = String(text)
            copy.withUTF8 { escape($0, into: &out) }
        }
    }

    static func escape(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var run = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            // Every special byte is below 0x40 and is one of five.
            if byte >= 0x40 { continue }
            let entity: StaticString
            switch byte {
            case 0x26: entity = "&amp;"
            case 0x3C: entity = "&lt;"
            case 0x3E: entity = "&gt;"
            case 0x22: entity = "&quot;"
            case 0x27: entity = "&#39;"
            default: continue
            }
            if run < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index])) }
            out.append(contentsOf: UnsafeBufferPointer(start: entity.utf8Start, count: entity.utf8CodeUnitCount))
            run = index + 1
        }
        if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
    }

    /// A number's decimal digits, written in place.
    static func digits(_ number: Int, into out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        var rest = number.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                rest /= 10
            } while rest > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position...]))
        }
    }

    /// The page's bytes.
    var bytes: [UInt8] { utf8 }
}
