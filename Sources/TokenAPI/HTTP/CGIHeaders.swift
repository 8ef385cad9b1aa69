public import HTTPTypes

/// The `HTTP_*` parameters of one CGI or FastCGI request as the web server sent them (`HTTP_`
/// dropped: `PRIVATE_TOKEN`), kept as bytes in one buffer in arrival order, and the
/// `CONTENT_TYPE` variable, which has no prefix. Nothing is decoded, validated or turned into
/// an ``HTTPField`` until a handler asks for a header by name (``RequestHeaders``): a request
/// pays for the headers it reads, not for every header a client sent.
///
/// The headers these bytes stand for: the first entry of each CGI name (as `FCGX_GetParam`
/// has it) whose name, with `_` read as `-` and letters lowercased, is a valid field name
/// (`PRIVATE_TOKEN` is `private-token`), in arrival order, with `CONTENT_TYPE` in place of any
/// `Content-Type`. Looking a header up gives what ``HTTPFields`` made of them would.
public struct CGIHeaders: Sendable {
    /// Every entry's name then its value, back to back.
    private var bytes: [UInt8] = []
    /// Where each entry's name starts in ``bytes``, and its name's and value's lengths.
    private var entries: [Entry] = []
    /// `CONTENT_TYPE`, when the web server set it and it is not empty: it stands for any
    /// `Content-Type` header.
    public var contentType: String?

    private struct Entry {
        var start: Int
        var nameCount: Int
        var valueCount: Int
        var valueStart: Int { start + nameCount }
        var end: Int { start + nameCount + valueCount }
    }

    public init() {}

    /// Adds the entry `name` (a CGI name without `HTTP_`) with `value`, both copied.
    public mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        if entries.isEmpty {
            bytes.reserveCapacity(1024)
            entries.reserveCapacity(16)
        }
        entries.append(Entry(start: bytes.count, nameCount: name.count, valueCount: value.count))
        bytes.append(contentsOf: name)
        bytes.append(contentsOf: value)
    }

    /// ``append(name:value:)`` from Strings (plain CGI's environment).
    public mutating func append(name: Substring, value: String) {
        var name = String(name)
        var value = value
        name.withUTF8 { name in value.withUTF8 { value in append(name: name, value: value) } }
    }

    /// The header `name`'s value as ``HTTPFields``' subscript gives it (several joined with
    /// `, `, or `; ` for `Cookie`); nil when there is none.
    func value(named name: HTTPField.Name) -> String? {
        var joined: String?
        forEachValue(named: name) { value in
            if joined == nil { joined = value } else { joined! += (name == .cookie ? "; " : ", ") + value }
        }
        return joined
    }

    /// Calls `body` with the value of each header named `name`, in order, as its ``HTTPField``
    /// carries it (invalid bytes legalized the same way).
    func forEachValue(named name: HTTPField.Name, _ body: (String) -> Void) {
        if name == .contentType, let contentType { return body(HTTPField(name: name, value: contentType).value) }
        var wanted = name.canonicalName
        // A match is a duplicate when an earlier match has its very bytes. Web servers send one
        // spelling (uppercase): `first` alone answers, with no allocation; the spellings of
        // other matches go in a set, so any number of spellings and copies stay linear.
        var first: Int?
        var spellings: Set<ArraySlice<UInt8>> = []
        wanted.withUTF8 { wanted in
            for index in entries.indices where entries[index].nameCount == wanted.count && nameMatches(index, wanted) {
                if let first {
                    if sameName(first, index) { continue }
                    if spellings.isEmpty { spellings.insert(cgiName(first)) }
                    guard spellings.insert(cgiName(index)).inserted else { continue }
                } else {
                    first = index
                }
                body(HTTPField(name: name, value: valueString(index)).value)
            }
        }
    }

    /// Whether entry `index`'s CGI name spells `canonical` (lowercase, `-`) from its start.
    private func nameMatches(_ index: Int, _ canonical: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = entries[index].start
        return bytes.withUnsafeBufferPointer { bytes in
            for offset in 0..<canonical.count where Self.headerByte(bytes[start + offset]) != canonical[offset] { return false }
            return true
        }
    }

    /// Whether entries `a` and `b` have the same CGI name, byte for byte.
    private func sameName(_ a: Int, _ b: Int) -> Bool {
        let (a, b) = (entries[a], entries[b])
        return a.nameCount == b.nameCount && bytes[a.start..<a.valueStart].elementsEqual(bytes[b.start..<b.valueStart])
    }

    /// Entry `index`'s CGI name, as received.
    private func cgiName(_ index: Int) -> ArraySlice<UInt8> { bytes[entries[index].start..<entries[index].valueStart] }

    /// The entries that are the first of their CGI name (the others are no header), in one
    /// hashed pass: asked only when a rare case needs it, and linear in the entries however
    /// many share a name.
    private func firstOfEachName() -> Set<Int> {
        var seen = Set<ArraySlice<UInt8>>(minimumCapacity: entries.count)
        var firsts = Set<Int>(minimumCapacity: entries.count)
        for index in entries.indices where seen.insert(cgiName(index)).inserted { firsts.insert(index) }
        return firsts
    }

    /// A CGI name's byte as it is in the header name: `_` is `-`, letters lowercase.
    @inline(__always)
    private static func headerByte(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "_"): UInt8(ascii: "-")
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
        default: byte
        }
    }

    /// The field name entry `index`'s CGI name maps to (`PRIVATE_TOKEN` → `private-token`),
    /// when it is a valid one: an entry whose name is not is no header at all.
    private func fieldName(_ index: Int) -> HTTPField.Name? {
        let name = bytes[entries[index].start..<entries[index].valueStart]
        return HTTPField.Name(String(unsafeUninitializedCapacity: name.count) { buffer in
            for (offset, byte) in name.enumerated() { buffer[offset] = Self.headerByte(byte) }
            return name.count
        })
    }

    /// Entry `index`'s value, as received (invalid UTF-8 repaired, as `String(cString:)` does).
    private func valueString(_ index: Int) -> String {
        String(decoding: bytes[entries[index].valueStart..<entries[index].end], as: UTF8.self)
    }

    /// Whether every header's value (and `CONTENT_TYPE`) is free of CR, LF and NUL, which
    /// ``HTTPField`` would quietly turn into spaces and which must never reach a response. One
    /// pass over the values; only an entry with such a byte is looked at further.
    public var valuesAreFaithful: Bool {
        if let contentType, contentType.utf8.contains(where: Self.isLineBreakOrNUL) { return false }
        var firsts: Set<Int>?
        for index in entries.indices where bytes[entries[index].valueStart..<entries[index].end].contains(where: Self.isLineBreakOrNUL) {
            if firsts == nil { firsts = firstOfEachName() }
            if fieldName(index) != nil, firsts!.contains(index) { return false }
        }
        return true
    }

    private static let contentTypeName = Array("content-type".utf8)

    private static func isLineBreakOrNUL(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0x0A || byte == 0 }

    /// Whether some header's name (case ignored, `_` read as `-`) is longer than `prefix` and
    /// starts with it (`prefix` lowercase, with `-`). Reads at most `prefix.count` bytes of
    /// each name, and looks further only at a name that matches.
    func containsName(longerThan prefix: [UInt8]) -> Bool {
        if contentType != nil, Self.contentTypeName.count > prefix.count, Self.contentTypeName.starts(with: prefix) { return true }
        return prefix.withUnsafeBufferPointer { prefix in
            var firsts: Set<Int>?
            for index in entries.indices where entries[index].nameCount > prefix.count && nameMatches(index, prefix) {
                if firsts == nil { firsts = firstOfEachName() }
                if firsts!.contains(index), fieldName(index) != nil { return true }
            }
            return false
        }
    }

    /// Every header as ``HTTPFields`` (see the type's description), for a reader that wants
    /// them all (a caller of ``APIRequest/head``). Assumes ``valuesAreFaithful``.
    var fields: HTTPFields {
        var fields = HTTPFields()
        let firsts = firstOfEachName()
        for index in entries.indices where firsts.contains(index) {
            guard let name = fieldName(index) else { continue }
            fields.append(HTTPField(name: name, value: valueString(index)))
        }
        if let contentType { fields[.contentType] = contentType }
        return fields
    }
}
