import JSON
public import TokenCore

/// The chained audit line, the same in a file and in a database row:
///
///     {"seq":12,"jseq":345,"event":{…},"prev":"<64 hex>","mac":"<64 hex>"}
///
/// `seq` numbers every line of the log, 1, 2, 3… across file rotations; `jseq` is the store's
/// sequence number of the change that carried the event (a journal line, a change-log row), by
/// which a crashed writer's events are found again. `prev` is the `mac` of the line before
/// (64 zeros before the first line), and `mac` is HMAC-SHA256, under the audit key, of the line's
/// bytes up to `,"mac":"`. An edited, removed, inserted or reordered line breaks the chain at
/// that line; lines removed from the front (retention) leave a chain that starts later, with
/// a `prev` that names what came before.
public enum AuditChain {
    /// The `prev` of the very first line.
    public static let origin = String(repeating: "0", count: 64)

    /// The MAC key, `audit.key` beside the store secret.
    public struct Key: Sendable {
        private let keyed: KeyedSHA256

        public init(bytes: [UInt8]) { keyed = KeyedSHA256(key: bytes) }

        /// Lowercase hex HMAC-SHA256 of `bytes`.
        public func mac(_ bytes: some Sequence<UInt8>) -> String {
            if let mac = bytes.withContiguousStorageIfAvailable({ mac(UnsafeRawBufferPointer($0)) }) { return mac }
            return Array(bytes).withUnsafeBytes { mac($0) }
        }

        /// Lowercase hex HMAC-SHA256 of the bytes in `buffer`.
        public func mac(_ buffer: UnsafeRawBufferPointer) -> String {
            keyed.code(of: buffer) { Hex.encode($0) }
        }
    }

    /// Where the chain stands after a line: what the next line continues from.
    public struct Link: Hashable, Sendable {
        public var seq: Int
        public var mac: String
        /// The `jseq` of the newest line: events of changes up to here are in the log.
        public var journalSeq: Int

        public init(seq: Int, mac: String, journalSeq: Int) {
            self.seq = seq
            self.mac = mac
            self.journalSeq = journalSeq
        }

        /// Before the first line.
        public static let start = Link(seq: 0, mac: AuditChain.origin, journalSeq: 0)
    }

    /// The line for `event` after `previous`, with its newline, and the link it makes.
    public static func line(_ event: AuditEvent, journalSeq: Int, after previous: Link, key: Key) -> (bytes: [UInt8], link: Link) {
        line(eventJSON: AuditEventCoding.bytes(event), journalSeq: journalSeq, after: previous, key: key)
    }

    /// The line for an event already written as JSON (``AuditEventCoding/bytes(_:)``): the
    /// same bytes, when the caller has them anyway (the journal line holds the same JSON).
    public static func line(eventJSON: [UInt8], journalSeq: Int, after previous: Link, key: Key) -> (bytes: [UInt8], link: Link) {
        var w = JSONWriter(capacity: eventJSON.count + 256)
        w.beginObject()
        w.field("seq", previous.seq + 1)
        w.field("jseq", journalSeq)
        w.key("event")
        w.encoded(eventJSON)
        w.field("prev", previous.mac)
        var bytes = w.bytes
        let mac = key.mac(bytes)
        bytes.append(contentsOf: #","mac":""#.utf8)
        bytes.append(contentsOf: mac.utf8)
        bytes.append(contentsOf: "\"}\n".utf8)
        return (bytes, Link(seq: previous.seq + 1, mac: mac, journalSeq: journalSeq))
    }

    /// One line as read back, before its MAC is checked.
    public struct ParsedLine: Sendable {
        public var seq: Int
        public var journalSeq: Int
        public var prev: String
        public var mac: String
        public var event: AuditEvent
        /// The bytes the MAC covers.
        public var signed: ArraySlice<UInt8>
    }

    /// Parses a line (without its newline); throws with what is wrong.
    public static func parse(_ line: ArraySlice<UInt8>) throws(AuditEventCoding.DecodeError) -> ParsedLine {
        let marker = Array(#","mac":""#.utf8)
        guard line.count > marker.count + 66, line.last == UInt8(ascii: "}"),
            let cut = lastRange(of: marker, in: line)
        else { throw AuditEventCoding.DecodeError(description: "not an audit line (no mac)") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw AuditEventCoding.DecodeError(description: "not JSON: \(error)")
        }
        guard let seq = value["seq"]?.intValue, let jseq = value["jseq"]?.intValue, let prev = value["prev"]?.stringValue,
            let mac = value["mac"]?.stringValue, let event = value["event"]
        else { throw AuditEventCoding.DecodeError(description: "audit line lacks seq, jseq, event, prev or mac") }
        return ParsedLine(
            seq: seq, journalSeq: jseq, prev: prev, mac: mac, event: try AuditEventCoding.decode(event), signed: line[..<cut])
    }

    private static func lastRange(of marker: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
        var index = line.endIndex - marker.count
        while index >= line.startIndex {
            if line[index..<(index + marker.count)].elementsEqual(marker) { return index }
            index -= 1
        }
        return nil
    }
}
