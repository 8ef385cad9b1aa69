import TokenCore

/// Checks a chained audit log line by line, wherever the lines come from (files in order, rows
/// of a table in `seq` order), and names the first line that breaks the chain.
///
/// The chain must start where `anchor` says (seq 1 after 64 zeros, unless retention removed
/// older lines and recorded where the retained chain begins), every `seq` must follow the one
/// before, every `prev` must be the MAC of the line before, every MAC must be right, and the
/// store sequence numbers (`jseq`) must rise.
public struct AuditChainVerifier {
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// Where the bad line is: a file name, or a table.
        public var source: String
        /// 1-based line number within `source`.
        public var line: Int
        public var reason: String

        public init(source: String, line: Int, reason: String) {
            self.source = source
            self.line = line
            self.reason = reason
        }

        /// `file:line: reason` (line 0: about the log as a whole).
        public var description: String { line > 0 ? "\(source):\(line): \(reason)" : "\(source): \(reason)" }
    }

    private let key: AuditChain.Key
    /// Where the chain must start: the first line's `seq` and `prev`.
    public let anchor: AuditChain.Link
    public private(set) var last: AuditChain.Link?
    public private(set) var lines = 0

    public init(key: AuditChain.Key, anchor: AuditChain.Link = .start) {
        self.key = key
        self.anchor = anchor
    }

    /// Checks the next line (without its newline). Throws at the first break.
    @discardableResult
    public mutating func check(_ bytes: ArraySlice<UInt8>, source: String, line: Int) throws(Failure) -> AuditChain.ParsedLine {
        func fail(_ reason: String) -> Failure { Failure(source: source, line: line, reason: reason) }
        let parsed: AuditChain.ParsedLine
        do {
            parsed = try AuditChain.parse(bytes)
        } catch {
            throw fail("unreadable line: \(error)")
        }
        let expected = last ?? AuditChain.Link(seq: anchor.seq, mac: anchor.mac, journalSeq: 0)
        if parsed.seq != expected.seq + 1 {
            throw fail(last == nil
                ? "the log starts at seq \(parsed.seq), but the retained chain starts at seq \(expected.seq + 1): lines were removed from the front"
                : "seq \(parsed.seq) follows seq \(expected.seq): a line was removed, inserted or moved here")
        }
        if parsed.prev != expected.mac {
            throw fail("prev does not match the MAC of the line before: a line was removed, inserted, moved or edited here")
        }
        if key.mac(parsed.signed) != parsed.mac { throw fail("MAC mismatch: this line was edited, or written under another key") }
        if let last, parsed.journalSeq <= last.journalSeq {
            throw fail("jseq \(parsed.journalSeq) does not follow jseq \(last.journalSeq)")
        }
        last = AuditChain.Link(seq: parsed.seq, mac: parsed.mac, journalSeq: parsed.journalSeq)
        lines += 1
        return parsed
    }
}
