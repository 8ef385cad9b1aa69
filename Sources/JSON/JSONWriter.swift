/// Writes JSON straight into a byte buffer, fields in the order they are written.
///
/// Entities are written field by field, in GitLab's field order, with no intermediate tree.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes a key already quoted with its colon (`"name":`, from a table built once, as
    /// ``key(_:)`` would write it) before a value inside an object.
    public mutating func key(quoted: [UInt8]) {
        separate()
        bytes.append(contentsOf: quoted)
        needsComma = false
    }

    /// Writes `"name":` before a value inside an object.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) { separate(); appendQuoted(value); needsComma = true }
    public mutating func int(_ value: Int) { separate(); appendDecimal(Int64(value)); needsComma = true }
    public mutating func int64(_ value: Int64) { separate(); appendDecimal(value); needsComma = true }
    public mutating func bool(_ value: Bool) { separate(); bytes.append(contentsOf: (value ? "true" : "false").utf8); needsComma = true }
    public mutating func null() { separate(); bytes.append(contentsOf: "null".utf8); needsComma = true }
    /// Constant JSON text written as it is, the next value following it without a comma:
    /// `{"ts":` or `,"level":"info","method":` (a fixed run of keys and values, spelled once
    /// instead of quoted at every call). Only ever a literal, never data.
    public mutating func fragment(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        needsComma = false
    }

    /// A value this writer (or another) already wrote as JSON, copied as it is: the same bytes
    /// in several documents without writing them again. Only ever a writer's output, never input.
    public mutating func encoded(_ json: [UInt8]) { separate(); bytes.append(contentsOf: json); needsComma = true }

    /// Ends a line of JSON Lines: a newline, and the next value starts a new document.
    public mutating func endLine() { bytes.append(0x0A); needsComma = false }

    /// A number already formatted as JSON (`1.5`), written as it is.
    public mutating func raw(_ number: String) { separate(); bytes.append(contentsOf: number.utf8); needsComma = true }

    public mutating func string(_ value: String?) { if let value { string(value) } else { null() } }

    public mutating func field(_ name: String, _ value: String?) { key(name); string(value) }
    public mutating func field(_ name: String, _ value: Int) { key(name); int(value) }
    public mutating func field(_ name: String, _ value: Int?) { key(name); if let value { int(value) } else { null() } }
    public mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }
    public mutating func field(_ name: String, _ values: [String]) {
        key(name)
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// Writes a parsed value back out (objects with sorted keys, for stable bytes).
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .integer(let i): int64(i)
        case .number(let d): separate(); bytes.append(contentsOf: String(d).utf8); needsComma = true
        case .string(let s): string(s)
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .object(let fields):
            beginObject()
            for name in fields.keys.sorted() {
                key(name)
                self.value(fields[name]!)
            }
            endObject()
        }
    }

    /// The decimal digits of `value` (as `String(value)` spells them), without a string between:
    /// formatted from the end of a buffer on the stack, appended in one copy.
    private mutating func appendDecimal(_ value: Int64) {
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a sign and 19 digits fit
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// The string between quotes, escaped: runs that need no escape are copied whole.
    private mutating func appendQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for (index, b) in utf8.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                appendEscape(b)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(b)
        case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(contentsOf: "\\u00".utf8)
            bytes.append(Self.hex[Int(b >> 4)])
            bytes.append(Self.hex[Int(b & 0xF)])
        }
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }
}
