import JSON
public import TokenCore

/// The JSON of one change, as the journal writes it but without a sequence number
/// (`{"kind":"token","op":"put","record":{…}}`): what another backend keeps in its own change
/// log (the PostgreSQL store's `tokend.changes`), so every backend shares one record shape.
public enum ChangeCoding {
    public struct DecodeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The change's JSON, keys sorted, no newline.
    public static func encode(_ change: StoreChange) -> [UInt8] {
        var line = RecordCoding.journalLine(change, seq: 0)
        // `…,"seq":0}\n` → `…}`: the sequence belongs to the log that holds the line.
        line.removeLast(",\"seq\":0}\n".utf8.count)
        line.append(UInt8(ascii: "}"))
        return line
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> StoreChange {
        do {
            return try RecordCoding.decodeChange(try JSONParser.parse(Array(bytes)))
        } catch {
            throw DecodeError(description: "\(error)")
        }
    }
}
