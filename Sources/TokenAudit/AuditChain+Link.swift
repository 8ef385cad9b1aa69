public import TokenCore

extension AuditChain {
    /// The link a line makes, read from its frame (`{"seq":N,"jseq":M,"event":` … `,"mac":"<64
    /// hex>"}`) without parsing its event, when its MAC under `key` checks; nil otherwise (a
    /// line not framed as ``line(eventJSON:journalSeq:after:key:)`` writes it, or one it did not
    /// sign under this key), and the caller parses the line in full (``parse(_:)``).
    ///
    /// A writer reads the last line of the audit files before each append after another
    /// process's: the MAC costs a few SHA-256 blocks, a full parse of the event several times
    /// that, and a line whose MAC checks was written whole by a holder of the key.
    public static func link(ofLine line: ArraySlice<UInt8>, key: Key) -> Link? {
        // The frame's end: `,"mac":"` + 64 hex + `"}`.
        let macMarker = Array(#","mac":""#.utf8)
        let suffix = macMarker.count + 64 + 2
        guard line.count > suffix, line.last == UInt8(ascii: "}"), line[line.endIndex - 2] == UInt8(ascii: "\"") else { return nil }
        let cut = line.endIndex - suffix
        guard line[cut..<(cut + macMarker.count)].elementsEqual(macMarker) else { return nil }
        let macBytes = line[(cut + macMarker.count)..<(line.endIndex - 2)]
        guard macBytes.allSatisfy({ Hex.value(of: $0) != nil && !(0x41...0x46).contains($0) }) else { return nil }
        var index = line.startIndex
        guard let seq = number(after: #"{"seq":"#, in: line, at: &index),
            let journalSeq = number(after: #","jseq":"#, in: line, at: &index),
            line[index...].starts(with: #","event":{"#.utf8)
        else { return nil }
        let mac = String(decoding: macBytes, as: UTF8.self)
        guard key.mac(line[..<cut]) == mac else { return nil }
        return Link(seq: seq, mac: mac, journalSeq: journalSeq)
    }

    /// The decimal number right after `prefix` at `index` (at most 18 digits), moving past both.
    private static func number(after prefix: String, in line: ArraySlice<UInt8>, at index: inout Int) -> Int? {
        guard line[index...].starts(with: prefix.utf8) else { return nil }
        index += prefix.utf8.count
        var value = 0
        var digits = 0
        while index < line.endIndex, let digit = line[index] >= 0x30 && line[index] <= 0x39 ? Int(line[index] - 0x30) : nil {
            guard digits < 18 else { return nil }
            value = value * 10 + digit
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }
}
