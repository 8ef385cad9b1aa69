import JSON
import TokenCore

/// Reads snapshot bytes: the header line, and every record into a ``StoreState``. Errors name
/// the file, the line and the byte offset.
enum SnapshotParser {
    /// The header (line 1).
    static func header(_ bytes: UnsafeBufferPointer<UInt8>, path: String) throws(StoreError) -> RecordCoding.SnapshotHeader {
        guard let firstNewline = LineSearch.newline(in: bytes, from: 0) else {
            throw .corrupt(path, line: 1, offset: 0, bytes.isEmpty ? "the snapshot is empty" : "the header line is incomplete")
        }
        do {
            return try RecordCoding.decodeHeader(try JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[0..<firstNewline])))
        } catch {
            throw .corrupt(path, line: 1, offset: 0, "\(error)")
        }
    }

    /// Applies every record to `state` and returns the header.
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, path: String, into state: inout StoreState, interner: ScopeInterner? = nil
    ) throws(StoreError) -> RecordCoding.SnapshotHeader {
        let header = try header(bytes, path: path)
        var start = LineSearch.newline(in: bytes, from: 0)! + 1
        var line = 1
        state.beginBulkLoad()
        defer { state.endBulkLoad() }
        state.reserveCapacity(tokens: bytes.count / 340)
        while start < bytes.count {
            line += 1
            guard let newline = LineSearch.newline(in: bytes, from: start) else {
                throw .corrupt(path, line: line, offset: start, "the last record is incomplete")
            }
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<newline])
            if let fast = FastRecordDecoder.snapshotToken(slice, interner: interner) {
                state.apply(fast)
                start = newline + 1
                continue
            }
            do {
                state.apply(try RecordCoding.decodeChange(try JSONParser.parse(slice)))
            } catch {
                throw .corrupt(path, line: line, offset: start, "\(error)")
            }
            start = newline + 1
        }
        state.reserveIDs(
            nextUserID: header.nextUserID, nextTokenID: header.nextTokenID, nextGroupID: header.nextGroupID,
            nextProjectID: header.nextProjectID)
        return header
    }
}
