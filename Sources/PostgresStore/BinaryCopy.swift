import TokenCore

/// The rows of `COPY … TO STDOUT (FORMAT binary)`, read in place from libpq's buffers: the
/// load's wire format. Each cell is its type's binary form (PostgreSQL's `*send` functions):
/// no text to print on the server nor to parse here. The layout: an 11-byte signature, flags
/// and a header extension; then per row a 16-bit cell count and per cell a 32-bit length (-1
/// for NULL) and its bytes; then a count of -1. All numbers big-endian.
struct BinaryCopyReader {
    /// The columns, by name, for errors.
    let columns: [String]
    private var sawHeader = false
    private(set) var finished = false
    /// Rows read so far (the next row's number is this plus one).
    private(set) var rowCount = 0
    /// A row cut between two messages (PostgreSQL sends one per message; the protocol allows any cut).
    private var carry: [UInt8] = []
    /// (offset, length) of each cell of the current row; length -1 for NULL.
    private var cells: [(offset: Int, length: Int)]

    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    init(columns: [String]) {
        self.columns = columns
        cells = Array(repeating: (0, -1), count: columns.count)
    }

    /// Reads the rows of one CopyData message, calling `each` for every complete one.
    mutating func read(_ message: UnsafeBufferPointer<UInt8>, _ each: (BinaryCopyRow) throws(PostgresError) -> Void) throws(PostgresError) {
        guard carry.isEmpty else {
            carry.append(contentsOf: message)
            let bytes = carry
            carry = []
            try bytes.withUnsafeBufferPointer { (all) throws(PostgresError) in try readWhole(all, each) }
            return
        }
        try readWhole(message, each)
    }

    /// Throws unless the trailer was read: a copy that ended early lost rows.
    func finish() throws(PostgresError) {
        guard finished, carry.isEmpty else { throw corrupt("the copy ended before its last row") }
    }

    private mutating func readWhole(_ bytes: UnsafeBufferPointer<UInt8>, _ each: (BinaryCopyRow) throws(PostgresError) -> Void) throws(PostgresError) {
        var index = 0
        if !sawHeader {
            // Signature, flags, extension length, extension.
            guard bytes.count >= 19 else { return keep(bytes, from: 0) }
            guard bytes.prefix(11).elementsEqual(Self.signature) else { throw corrupt("the copy has no binary signature") }
            let extensionLength = Int(Self.int32(bytes, at: 15))
            guard extensionLength >= 0 else { throw corrupt("the copy's header is malformed") }
            guard bytes.count >= 19 + extensionLength else { return keep(bytes, from: 0) }
            index = 19 + extensionLength
            sawHeader = true
        }
        while index < bytes.count {
            guard !finished else { throw corrupt("the copy has data after its end") }
            guard index + 2 <= bytes.count else { return keep(bytes, from: index) }
            let count = Int(Int16(bitPattern: UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])))
            if count == -1 {
                finished = true
                index += 2
                continue
            }
            guard count == cells.count else { throw corrupt("a row has \(count) cells, not \(cells.count)") }
            var offset = index + 2
            for cell in 0..<count {
                guard offset + 4 <= bytes.count else { return keep(bytes, from: index) }
                let length = Int(Self.int32(bytes, at: offset))
                offset += 4
                guard length >= -1 else { throw corrupt("a cell has length \(length)") }
                cells[cell] = (offset, length)
                if length > 0 { offset += length }
                guard offset <= bytes.count else { return keep(bytes, from: index) }
            }
            rowCount += 1
            try cells.withUnsafeBufferPointer { (cells) throws(PostgresError) in
                try each(BinaryCopyRow(bytes: bytes, cells: cells, columns: columns, number: rowCount))
            }
            index = offset
        }
    }

    private mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int) {
        carry = Array(bytes[index...])
    }

    static func int32(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int32 {
        Int32(bitPattern: UInt32(bigEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt32.self)))
    }

    private func corrupt(_ detail: String) -> PostgresError {
        PostgresError(.corrupt, operation: "read", location: "the copy, row \(rowCount + 1)", detail: detail)
    }
}

/// One row of a binary copy: its cells by position, each read as its column's type. A NULL
/// where the type is not optional, or bytes that are not the type's binary form, is an error
/// naming the column and the row (as ``PostgresResult/decode(_:_:_:)`` does for text results).
struct BinaryCopyRow {
    let bytes: UnsafeBufferPointer<UInt8>
    let cells: UnsafeBufferPointer<(offset: Int, length: Int)>
    let columns: [String]
    /// The row's number in the copy, from 1.
    let number: Int

    /// The cell's bytes, or nil for NULL.
    func cell(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        let (offset, length) = cells[index]
        guard length >= 0 else { return nil }
        return UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    /// A `bigint` cell.
    func int64(_ index: Int) throws(PostgresError) -> Int64 {
        guard let value = try int64OrNull(index) else { throw corrupt(index, "is NULL") }
        return value
    }

    func int64OrNull(_ index: Int) throws(PostgresError) -> Int64? {
        guard let cell = cell(index) else { return nil }
        guard let value = Self.int64(cell) else { throw corrupt(index, "is not a bigint") }
        return value
    }

    static func int64(_ cell: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard cell.count == 8 else { return nil }
        return Int64(bigEndian: UnsafeRawPointer(cell.baseAddress!).loadUnaligned(as: Int64.self))
    }

    /// A `timestamptz` cell (microseconds since 2000-01-01 UTC) as milliseconds since 1970,
    /// rounded half away from zero as `(extract(epoch from c) * 1000)::bigint` rounds; nil for
    /// ±infinity, which no millisecond count holds.
    static func milliseconds(_ cell: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let micros = int64(cell), micros != .max, micros != .min else { return nil }
        let (sinceEpoch, overflow) = micros.addingReportingOverflow(postgresEpochMilliseconds * 1000)
        guard !overflow else { return nil }
        var milliseconds = sinceEpoch / 1000
        let rest = sinceEpoch % 1000
        if rest >= 500 { milliseconds += 1 } else if rest <= -500 { milliseconds -= 1 }
        return milliseconds
    }

    /// A `date` cell (days since 2000-01-01) in years 1 to 9999 (``CivilDate``'s); nil else.
    static func date(_ cell: UnsafeBufferPointer<UInt8>) -> CivilDate? {
        guard cell.count == 4 else { return nil }
        let days = Int32(bitPattern: UInt32(bigEndian: UnsafeRawPointer(cell.baseAddress!).loadUnaligned(as: UInt32.self)))
        guard days != .max, days != .min else { return nil }
        let date = CivilDate(daysSinceEpoch: Int(days) + postgresEpochDays)
        return (1...9999).contains(date.year) ? date : nil
    }

    /// A `boolean` cell.
    static func boolean(_ cell: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard cell.count == 1, cell[0] <= 1 else { return nil }
        return cell[0] == 1
    }

    /// A one-dimensional `text[]` cell without NULL elements (an empty array has no
    /// dimension): `each` gets every element's bytes in order. False when it is not one.
    static func texts(_ cell: UnsafeBufferPointer<UInt8>, _ each: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        guard cell.count >= 12 else { return false }
        let dimensions = BinaryCopyReader.int32(cell, at: 0)
        if dimensions == 0 { return cell.count == 12 }
        guard dimensions == 1, cell.count >= 20 else { return false }
        let count = Int(BinaryCopyReader.int32(cell, at: 12))
        var index = 20
        for _ in 0..<max(count, 0) {
            guard index + 4 <= cell.count else { return false }
            let length = Int(BinaryCopyReader.int32(cell, at: index))
            index += 4
            guard length >= 0, index + length <= cell.count else { return false }
            each(UnsafeBufferPointer(rebasing: cell[index..<(index + length)]))
            index += length
        }
        return count >= 0 && index == cell.count
    }

    /// 2000-01-01, PostgreSQL's epoch, in days and milliseconds since 1970-01-01.
    static let postgresEpochDays = 10_957
    static let postgresEpochMilliseconds = Int64(postgresEpochDays) * 86_400_000

    func corrupt(_ index: Int, _ problem: String) -> PostgresError {
        let name = columns[index]
        let shown = cell(index).map { ": " + $0.prefix(20).map { String($0, radix: 16) }.joined(separator: " ") } ?? ""
        return PostgresError(.corrupt, operation: "read", location: "column \(name), row \(number)", detail: "\(name) \(problem)\(shown)")
    }
}
