#if canImport(Glibc)
import Glibc
#endif
package import TokenCore

/// Decodes token lines exactly as ``RecordCoding`` writes them (sorted keys, no spaces) in one
/// pass, without building a JSON tree: the load path for large stores and CGI mode. Keys are
/// the schema's (``RecordSchema/token``), in its order; an optional one may be missing (written
/// before its field existed). Anything else makes it answer nil, and the caller falls back to
/// the strict generic parser, which is the reference.
package struct FastRecordDecoder {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private let interner: ScopeInterner?

    private init(_ bytes: UnsafeBufferPointer<UInt8>, interner: ScopeInterner?) {
        self.bytes = bytes
        self.interner = interner
        index = 0
    }

    /// `{"kind":"token","record":{…}}`
    package static func snapshotToken(_ line: ArraySlice<UInt8>) -> StoreChange? {
        line.withUnsafeBufferPointer { snapshotToken($0) }
    }

    package static func snapshotToken(_ line: UnsafeBufferPointer<UInt8>, interner: ScopeInterner? = nil) -> StoreChange? {
        var d = FastRecordDecoder(line, interner: interner)
        guard d.literal(#"{"kind":"token","record":"#), let token = d.token(), d.literal("}"), d.atEnd else { return nil }
        return .putToken(token)
    }

    /// `{"kind":"token","op":"put","record":{…},"seq":N}`
    package static func journalToken(_ line: ArraySlice<UInt8>, interner: ScopeInterner? = nil) -> (seq: Int, change: StoreChange)? {
        line.withUnsafeBufferPointer { journalToken($0, interner: interner) }
    }

    package static func journalToken(_ line: UnsafeBufferPointer<UInt8>, interner: ScopeInterner? = nil) -> (seq: Int, change: StoreChange)? {
        var d = FastRecordDecoder(line, interner: interner)
        guard d.literal(#"{"kind":"token","op":"put","record":"#), let token = d.token(), d.literal(#","seq":"#),
            let seq = d.integer(), d.literal("}"), d.atEnd
        else { return nil }
        return (Int(seq), .putToken(token))
    }

    /// The sequence number of a journal line carrying an audit event
    /// (`{"kind":"audit","op":"put","record":{…},"seq":N}`), without decoding the event; nil for
    /// any other line. The last `,"seq":` of a line is its own: inside a JSON string a quote is
    /// always escaped.
    package static func journalAuditSeq(_ line: ArraySlice<UInt8>) -> Int? {
        let prefix = Array(#"{"kind":"audit","op":"put","record":"#.utf8)
        let marker = Array(#","seq":"#.utf8)
        guard line.count > prefix.count + marker.count + 2, line.last == UInt8(ascii: "}"),
            line.prefix(prefix.count).elementsEqual(prefix)
        else { return nil }
        var digitsStart = line.endIndex - 1
        while digitsStart > line.startIndex, (0x30...0x39).contains(line[digitsStart - 1]) { digitsStart -= 1 }
        guard digitsStart < line.endIndex - 1, digitsStart - marker.count >= line.startIndex,
            line[(digitsStart - marker.count)..<digitsStart].elementsEqual(marker)
        else { return nil }
        return Int(String(decoding: line[digitsStart..<(line.endIndex - 1)], as: UTF8.self))
    }

    private var atEnd: Bool { index == bytes.count }

    private mutating func token() -> AccessToken? { record(RecordSchema.token) }

    /// A record whose keys are the schema's, in its order (as ``RecordSchema/write(_:into:)``
    /// writes them); an optional key may be missing (a line written before its field existed),
    /// and the field is absent, as the generic decoder has it. Nil for anything else: an
    /// unknown key, a missing required one, a nested object.
    private mutating func record<Record>(_ schema: RecordSchema<Record>) -> Record? {
        guard schema.isFlat, literal("{") else { return nil }
        var record = schema.prototype
        var missing: [Int] = []
        var first = true
        // Through the buffers: a field read in place, not copied with its closures and strings
        // (a copy per field per record was most of a large store's load time).
        let complete = schema.fields.withUnsafeBufferPointer { fields in
            schema.keyBytes.withUnsafeBufferPointer { keys in
                for position in 0..<fields.count {
                    guard literal(keys[position], skippingComma: first) else {
                        guard !fields[position].required else { return false }
                        if fields[position].nullable { _ = fields[position].set(&record, .null) }
                        missing.append(position)
                        continue
                    }
                    first = false
                    guard let value = value(of: fields[position].kind, nullable: fields[position].nullable),
                        fields[position].set(&record, value)
                    else { return false }
                }
                return true
            }
        }
        guard complete, literal("}") else { return nil }
        for position in missing { schema.fields[position].absent(&record) }
        return record
    }

    private mutating func value(of kind: FieldKind, nullable: Bool) -> FieldValue? {
        if nullable, literal("null") { return .null }
        switch kind {
        case .integer, .milliseconds: return integer().map { .integer($0) }
        case .text: return string().map { .text($0) }
        case .boolean: return boolean().map { .boolean($0) }
        case .date: return string().flatMap(CivilDate.init(iso8601:)).map { .date($0) }
        case .digest: return digestValue().map { .digest($0) }
        case .texts: return stringArray().map { .texts($0) }
        case .scopes: return internedScopes().map { .scopes($0) }
        case .children: return nil
        }
    }

    /// `bytes` (a `,"key":`), without its leading comma when `skippingComma`.
    private mutating func literal(_ bytes: [UInt8], skippingComma: Bool) -> Bool {
        let skip = skippingComma ? 1 : 0
        let count = bytes.count - skip
        return bytes.withUnsafeBufferPointer { key in
            guard index + count <= self.bytes.count, memcmp(self.bytes.baseAddress! + index, key.baseAddress! + skip, count) == 0 else { return false }
            index += count
            return true
        }
    }

    /// `"` 64 hex characters `"`, straight into a ``TokenDigest``.
    private mutating func digestValue() -> TokenDigest? {
        guard index + 66 <= bytes.count, bytes[index] == UInt8(ascii: "\""), bytes[index + 65] == UInt8(ascii: "\"") else { return nil }
        guard let digest = TokenDigest(hexUTF8: UnsafeBufferPointer(rebasing: bytes[(index + 1)..<(index + 65)])) else { return nil }
        index += 66
        return digest
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count, memcmp(bytes.baseAddress! + index, text.utf8Start, count) == 0 else { return false }
        index += count
        return true
    }

    private mutating func integer() -> Int64? {
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let start = index
        var value: Int64 = 0
        // Up to 18 digits cannot overflow; longer numbers take the checked path.
        while index < bytes.count, index - start < 18 {
            let digit = bytes[index] &- 48
            guard digit < 10 else { break }
            value = value &* 10 &+ Int64(digit)
            index += 1
        }
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(bytes[index] - 48))
            guard !o1, !o2 else { return nil }
            value = a
            index += 1
        }
        guard index > start else { return nil }
        return negative ? -value : value
    }

    private mutating func boolean() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// Strings without escapes only; an escape sends the whole line to the generic parser.
    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return s
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    /// A scope list, shared with earlier tokens spelled the same when there is an interner.
    private mutating func internedScopes() -> [Scope]? {
        guard let interner else { return stringArray()?.map(Scope.init(rawValue:)) }
        let start = index
        guard let end = arrayEnd() else { return nil }
        let spelling = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if let shared = interner.scopes(spelledAs: spelling) {
            index = end
            return shared
        }
        guard let scopes = stringArray()?.map(Scope.init(rawValue:)) else { return nil }
        interner.remember(scopes, spelledAs: spelling)
        return scopes
    }

    /// Just past the `]` closing the array that starts here (strings without escapes only).
    private func arrayEnd() -> Int? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return nil }
        var i = index + 1
        var inString = false
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"): return nil
            case UInt8(ascii: "\""): inString.toggle()
            case UInt8(ascii: "]") where !inString: return i + 1
            default: break
            }
            i += 1
        }
        return nil
    }

    private mutating func stringArray() -> [String]? {
        guard literal("[") else { return nil }
        var items: [String] = []
        if literal("]") { return items }
        while true {
            guard let item = string() else { return nil }
            items.append(item)
            if literal("]") { return items }
            guard literal(",") else { return nil }
        }
    }
}
