import TokenAudit
public import TokenCore

/// The audit lines of a data directory read back in order, with their seq and MAC: what a
/// restore needs to find the events that happened after a backup was taken.
public enum AuditTail {
    /// One line of the chain.
    public struct Line: Sendable {
        public var seq: Int
        public var mac: String
        public var event: AuditEvent
    }

    /// Every line of `directory`'s audit files from seq `from` on (lines that do not parse are
    /// skipped: `audit verify` names them), oldest first.
    public static func lines(in directory: String, from first: Int = 1) throws(StoreError) -> [Line] {
        let layout = AuditLayout(StoreLayout(directory: directory))
        let files = layout.files()
        var found: [Line] = []
        for (index, seq) in files.enumerated() {
            // A file holds the lines up to the next file's first seq.
            if index + 1 < files.count, files[index + 1] <= first { continue }
            let bytes = try FileIO.readAll(layout.file(firstSeq: seq))
            let complete = bytes[..<((bytes.lastIndex(of: 0x0A) ?? -1) + 1)]
            for line in complete.split(separator: 0x0A) {
                guard let parsed = try? AuditChain.parse(line), parsed.seq >= first else { continue }
                found.append(Line(seq: parsed.seq, mac: parsed.mac, event: parsed.event))
            }
        }
        return found
    }
}
