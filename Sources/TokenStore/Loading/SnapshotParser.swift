import JSON
import TokenCore
import TokenRecords

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

    /// Snapshots smaller than this are read by one thread.
    static let parallelThreshold = 4 << 20

    /// Applies every record to `state` and returns the header.
    ///
    /// A large snapshot is read by two threads: a second one decodes the last two thirds of
    /// the lines while this one decodes and applies the first third, then applies the second
    /// thread's records in file order (applying costs about as much as decoding).
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, path: String, into state: inout StoreState, interner: ScopeInterner? = nil
    ) throws(StoreError) -> RecordCoding.SnapshotHeader {
        let header = try header(bytes, path: path)
        let bodyStart = LineSearch.newline(in: bytes, from: 0)! + 1
        state.beginBulkLoad()
        defer { state.endBulkLoad() }
        state.reserveCapacity(tokens: bytes.count / 340)
        var split = bytes.count
        var background: BackgroundDecode?
        if bytes.count >= parallelThreshold, let newline = LineSearch.newline(in: bytes, from: bodyStart + (bytes.count - bodyStart) / 3) {
            split = newline + 1
            background = BackgroundDecode(bytes, range: split..<bytes.count)
            if background == nil { split = bytes.count }
        }
        do {
            try apply(bytes, bodyStart..<split, firstLine: 2, path: path, into: &state, interner: interner)
        } catch {
            _ = background?.changes()  // the thread reads `bytes`: wait for it before they go away
            throw error
        }
        if let background {
            switch background.changes() {
            case .success(let changes):
                for change in changes { state.apply(change) }
            case .failure(let failure):
                throw .corrupt(path, line: LineSearch.lineNumber(in: bytes, at: failure.offset), offset: failure.offset, failure.reason)
            }
        }
        state.reserveIDs(
            nextUserID: header.nextUserID, nextTokenID: header.nextTokenID, nextGroupID: header.nextGroupID,
            nextProjectID: header.nextProjectID, nextHookID: header.nextHookID, nextDeployTokenID: header.nextDeployTokenID)
        return header
    }

    /// Decodes and applies the lines in `range`, which starts at line `firstLine`.
    private static func apply(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, firstLine: Int, path: String, into state: inout StoreState,
        interner: ScopeInterner?
    ) throws(StoreError) {
        var start = range.lowerBound
        var line = firstLine - 1
        while start < range.upperBound {
            line += 1
            guard let newline = LineSearch.newline(in: bytes, from: start), newline < range.upperBound else {
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
    }
}
