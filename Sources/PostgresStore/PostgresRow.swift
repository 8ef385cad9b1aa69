import CPostgres

/// A result's column, found by name once per result (``PostgresResult/column(_:)``).
struct PostgresColumn {
    let index: Int32
    let name: String
}

/// A value a cell decodes to (text format); NULL only into an optional.
protocol PostgresCell {
    /// The value of the cell's text, or nil when it is not one.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Self?
    /// What NULL decodes to; nil when it cannot (a column that must not be NULL).
    static var null: Self? { get }
}

extension PostgresCell {
    static var null: Self? { nil }
}

extension Int: PostgresCell {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? { PostgresResult.parseInt(bytes) }
}

extension Int64: PostgresCell {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? { PostgresResult.parseInt(bytes).map { Int64($0) } }
}

extension String: PostgresCell {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String? { String(decoding: bytes, as: UTF8.self) }
}

extension Bool: PostgresCell {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard bytes.count == 1 else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }
}

extension Optional: PostgresCell where Wrapped: PostgresCell {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Wrapped?? { Wrapped.decode(bytes).map { .some($0) } }
    static var null: Wrapped?? { .some(nil) }
}

extension PostgresResult {
    /// The column named `name`; a missing one is a store whose schema is not this release's.
    func column(_ name: String) throws(PostgresError) -> PostgresColumn {
        let index = PQfnumber(handle, "\"\(name)\"")
        guard index >= 0 else {
            throw PostgresError(.corrupt, operation: "read", location: "the result", detail: "no column \(name)")
        }
        return PostgresColumn(index: index, name: name)
    }

    /// The cell of `column` in `row` as a `T`: a NULL where `T` is not optional, or text that is
    /// not a `T`, is a corrupt store, named by its column and row (postgres-nio's
    /// `PostgresRow.decode` does the same).
    func decode<T: PostgresCell>(_ row: Int, _ column: PostgresColumn) throws(PostgresError) -> T {
        try decode(T.self, row, column)
    }

    func decode<T: PostgresCell>(_ type: T.Type, _ row: Int, _ column: PostgresColumn) throws(PostgresError) -> T {
        guard let value = cell(row, column.index) else {
            guard let null = T.null else { throw corrupt(row, column, "is NULL") }
            return null
        }
        guard let decoded = T.decode(value) else {
            throw corrupt(row, column, "is not a \(T.self): \(String(decoding: value.prefix(40), as: UTF8.self))")
        }
        return decoded
    }

    /// The cell's bytes, or nil for NULL.
    func cell(_ row: Int, _ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard PQgetisnull(handle, Int32(row), column) == 0, let value = PQgetvalue(handle, Int32(row), column) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), column))
        return UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: length)
    }

    func corrupt(_ row: Int, _ column: PostgresColumn, _ problem: String) -> PostgresError {
        PostgresError(.corrupt, operation: "read", location: "column \(column.name), row \(row + 1)", detail: "\(column.name) \(problem)")
    }
}
