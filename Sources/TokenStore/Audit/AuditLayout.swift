#if canImport(Glibc)
import Glibc
#endif
import JSON
import TokenAudit
import TokenCore

/// The audit files of a data directory:
///
/// - `audit.key` (0600, beside `secret.key`): the HMAC key of the chain, hex.
/// - `audit/` (0700): `audit-<first seq, 12 digits>.jsonl`, one chained line per event
///   (``AuditChain``). The file with the highest number is the one appended to; a file is never
///   renamed, and older ones are removed only from the front (retention).
/// - `audit/anchor.json`: where the retained chain starts once front files were removed: the
///   first retained `seq` and the `prev` it continues from, under the audit key.
/// - `audit-failures.jsonl`: failed authentications a CGI process could not batch, appended
///   without a lock and carried into the chain by the next write (best effort, bounded).
struct AuditLayout {
    let directory: String

    init(_ layout: StoreLayout) { directory = layout.directory + "/audit" }
    init(auditDirectory: String) { directory = auditDirectory }

    var anchor: String { directory + "/anchor.json" }

    func file(firstSeq: Int) -> String { directory + "/" + Self.name(firstSeq: firstSeq) }

    static func name(firstSeq: Int) -> String {
        let digits = String(firstSeq)
        return "audit-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".jsonl"
    }

    /// The first seq a file name carries, or nil for any other name.
    static func firstSeq(ofName name: String) -> Int? {
        guard name.hasPrefix("audit-"), name.hasSuffix(".jsonl") else { return nil }
        let digits = name.dropFirst(6).dropLast(6)
        guard !digits.isEmpty, digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    /// The audit files' first seqs, ascending (empty when the directory is missing).
    func files() -> [Int] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var seqs: [Int] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let seq = Self.firstSeq(ofName: name) { seqs.append(seq) }
        }
        return seqs.sorted()
    }

    // MARK: Key

    /// Reads `audit.key`; with `create`, makes it first (32 random bytes, 0600) when missing.
    static func key(_ layout: StoreLayout, create: Bool) throws(StoreError) -> AuditChain.Key {
        let path = layout.auditKey
        if create && !FileIO.exists(path) {
            let bytes = Array(Hex.encode(TokenSecret.generateBytes()).utf8) + [0x0A]
            _ = try DurableFile.createExclusive(at: path, with: bytes, directory: layout.directory)
        }
        let text = String(decoding: try FileIO.readAll(path), as: UTF8.self).filter { !$0.isWhitespace }
        guard let bytes = Hex.decode(text), bytes.count >= 32 else {
            throw StoreError(operation: "read", path: path, detail: "the audit key must be at least 32 bytes of hex")
        }
        return AuditChain.Key(bytes: bytes)
    }

    /// Creates `audit/` (0700) when missing.
    func ensureDirectory() throws(StoreError) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw .syscall("mkdir", directory) }
    }

    // MARK: Anchor

    /// Where the retained chain starts (``AuditChain/Link/start`` when nothing was removed).
    func readAnchor(key: AuditChain.Key) throws(StoreError) -> AuditChain.Link {
        guard FileIO.exists(anchor) else { return .start }
        let bytes = try FileIO.readAll(anchor)
        guard let value = try? JSONParser.parse(bytes.prefix { $0 != 0x0A }), let seq = value["seq"]?.intValue,
            let prev = value["prev"]?.stringValue, let mac = value["mac"]?.stringValue
        else { throw StoreError(operation: "read", path: anchor, detail: "not an audit anchor") }
        guard key.mac(Self.anchorBytes(seq: seq, prev: prev)) == mac else {
            throw StoreError(operation: "read", path: anchor, detail: "the anchor's MAC does not match: it was edited")
        }
        return AuditChain.Link(seq: seq, mac: prev, journalSeq: 0)
    }

    /// Records durably that the chain now starts after `seq` (whose MAC was `prev`).
    func writeAnchor(seq: Int, prev: String, key: AuditChain.Key) throws(StoreError) {
        var w = JSONWriter()
        w.beginObject()
        w.field("seq", seq)
        w.field("prev", prev)
        w.field("mac", key.mac(Self.anchorBytes(seq: seq, prev: prev)))
        w.endObject()
        let temp = try DurableFile.prepare(for: anchor, with: w.bytes + [0x0A], directory: directory)
        if rename(temp, anchor) != 0 {
            let failure = StoreError.syscall("rename", anchor)
            unlink(temp)
            throw failure
        }
        try FileIO.fsyncDirectory(directory)
    }

    private static func anchorBytes(seq: Int, prev: String) -> [UInt8] { Array("tokend audit anchor \(seq) \(prev)".utf8) }

    // MARK: Reading lines

    /// The first complete line of a file (nil when it has none).
    static func firstLine(_ fd: Int32, path: String) throws(StoreError) -> ArraySlice<UInt8>? {
        var length = 4096
        while true {
            let bytes = try FileIO.pread(fd, offset: 0, count: length, path: path)
            if let newline = bytes.firstIndex(of: 0x0A) { return bytes[..<newline] }
            if bytes.count < length { return nil }
            length *= 4
        }
    }

    /// The last complete line of the first `size` bytes of a file, and where it ends.
    static func lastLine(_ fd: Int32, size: Int, path: String) throws(StoreError) -> (line: ArraySlice<UInt8>, end: Int)? {
        var window = 8192
        while true {
            let start = max(0, size - window)
            let bytes = try FileIO.pread(fd, offset: start, count: size - start, path: path)
            guard let last = bytes.lastIndex(of: 0x0A) else {
                if start == 0 { return nil }
                window *= 4
                continue
            }
            let before = bytes[..<last].lastIndex(of: 0x0A)
            if before == nil && start > 0 {
                window *= 4
                continue
            }
            return (bytes[(before.map { $0 + 1 } ?? 0)..<last], start + last + 1)
        }
    }
}

extension StoreLayout {
    /// The HMAC key of the audit chain (hex), beside ``secret``.
    public var auditKey: String { directory + "/audit.key" }
    /// Failed authentications a CGI process wrote for the next writer to carry.
    public var auditSpill: String { directory + "/audit-failures.jsonl" }
    /// The chained audit files.
    public var auditDirectory: String { directory + "/audit" }
}
