/// A fragment of HTML that is safe by construction: the literal parts of a `"…"` are the
/// page's own markup, and every interpolated `String` (or anything else that is not `HTML`) is
/// escaped for text and attribute values alike (`&`, `<`, `>`, `"`, `'`). Only another `HTML`
/// value is inserted as is, so user text cannot become markup without a visible `HTML(raw:)`.
public struct HTML: Sendable, ExpressibleByStringInterpolation, Equatable {
    /// The markup, already escaped.
    public private(set) var markup: String

    public init(stringLiteral value: String) { markup = value }
    public init(stringInterpolation: Interpolation) { markup = stringInterpolation.markup }

    /// Markup written by tokend itself (a constant, never user text).
    init(raw markup: String) { self.markup = markup }

    public static let empty = HTML(raw: "")

    public struct Interpolation: StringInterpolationProtocol {
        var markup = ""
        public init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity + 16 * interpolationCount) }
        public mutating func appendLiteral(_ literal: String) { markup += literal }
        /// Text: escaped.
        public mutating func appendInterpolation(_ text: String) { HTML.escape(text, into: &markup) }
        public mutating func appendInterpolation(_ text: Substring) { HTML.escape(String(text), into: &markup) }
        /// A number: its digits.
        public mutating func appendInterpolation(_ number: Int) { markup += String(number) }
        /// Markup: as is.
        public mutating func appendInterpolation(_ html: HTML) { markup += html.markup }
        /// Several fragments, one after another.
        public mutating func appendInterpolation(_ fragments: [HTML]) { for html in fragments { markup += html.markup } }
        /// Markup or nothing.
        public mutating func appendInterpolation(_ html: HTML?) { if let html { markup += html.markup } }
    }

    /// Appends one fragment.
    public mutating func append(_ other: HTML) { markup += other.markup }

    /// Escapes text for an element's content or a quoted attribute value.
    static func escape(_ text: String, into out: inout String) {
        var utf8 = text.utf8.makeIterator()
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            out += text
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        while let b = utf8.next() {
            switch b {
            case 0x26: bytes += Array("&amp;".utf8)
            case 0x3C: bytes += Array("&lt;".utf8)
            case 0x3E: bytes += Array("&gt;".utf8)
            case 0x22: bytes += Array("&quot;".utf8)
            case 0x27: bytes += Array("&#39;".utf8)
            default: bytes.append(b)
            }
        }
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// The page's bytes.
    var bytes: [UInt8] { Array(markup.utf8) }
}
