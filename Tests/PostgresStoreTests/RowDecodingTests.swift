import CPostgres
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TokenCore
import TokenRecords

@testable import PostgresStore

/// Rows are read by column name, into typed values; a NULL or a value of the wrong type is an
/// error naming the column, never a trap. The results are built in memory with libpq's own
/// constructors (`PQmakeEmptyPGresult`, `PQsetvalue`): no server needed.
struct RowDecodingTests {
    /// A result with `columns` (all text) and `rows` (nil is NULL).
    static func result(_ columns: [String], _ rows: [[String?]]) -> PostgresResult {
        let handle = PQmakeEmptyPGresult(nil, PGRES_TUPLES_OK)!
        let names = columns.map { strdup($0) }
        defer { for name in names { free(name) } }
        var attributes = names.indices.map { index in
            PGresAttDesc(name: names[index], tableid: 0, columnid: 0, format: 0, typid: 25, typlen: -1, atttypmod: -1)
        }
        _ = attributes.withUnsafeMutableBufferPointer { PQsetResultAttrs(handle, Int32(columns.count), $0.baseAddress) }
        for (row, cells) in rows.enumerated() {
            for (column, cell) in cells.enumerated() {
                if let cell {
                    var bytes = Array(cell.utf8CString)
                    _ = bytes.withUnsafeMutableBufferPointer { PQsetvalue(handle, Int32(row), Int32(column), $0.baseAddress, Int32(cell.utf8.count)) }
                } else {
                    _ = PQsetvalue(handle, Int32(row), Int32(column), nil, -1)
                }
            }
        }
        return PostgresResult(handle)
    }

    @Test func columnsAreFoundByNameInAnyOrder() throws {
        let rows = Self.result(["name", "id"], [["root", "1"]])
        #expect(try rows.decode(Int.self, 0, rows.column("id")) == 1)
        #expect(try rows.decode(String.self, 0, rows.column("name")) == "root")
    }

    @Test func aNullWhereAValueMustBeIsAnErrorNamingTheColumn() throws {
        let rows = Self.result(["id", "name"], [["1", nil]])
        #expect(try rows.decode(String?.self, 0, rows.column("name")) == nil)
        let error = #expect(throws: PostgresError.self) { try rows.decode(String.self, 0, rows.column("name")) }
        #expect(error?.kind == .corrupt)
        #expect("\(error!)".contains("name"))
    }

    @Test func aValueOfTheWrongTypeIsAnErrorNamingTheColumn() throws {
        let rows = Self.result(["id"], [["twelve"]])
        let error = #expect(throws: PostgresError.self) { try rows.decode(Int.self, 0, rows.column("id")) }
        #expect("\(error!)".contains("id"))
    }

    @Test func aMissingColumnIsAnError() {
        let rows = Self.result(["id"], [["1"]])
        #expect(throws: PostgresError.self) { try rows.column("username") }
    }

    /// A binary COPY stream (signature, header, rows, trailer) of `rows` (nil is NULL).
    static func binaryCopy(_ rows: [[[UInt8]?]]) -> [UInt8] {
        func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        var out = BinaryCopyReader.signature + int32(0) + int32(0)
        for row in rows {
            out += withUnsafeBytes(of: Int16(row.count).bigEndian) { Array($0) }
            for cell in row { out += cell.map { int32(Int32($0.count)) + $0 } ?? int32(-1) }
        }
        return out + [0xFF, 0xFF]
    }

    static func int64(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    /// A one-dimensional `text[]` in its binary form.
    static func texts(_ values: [String]) -> [UInt8] {
        func int32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: Int32(value).bigEndian) { Array($0) } }
        guard !values.isEmpty else { return int32(0) + int32(0) + int32(25) }
        return int32(1) + int32(0) + int32(25) + int32(values.count) + int32(1) + values.flatMap { int32($0.utf8.count) + Array($0.utf8) }
    }

    /// Reads `stream` cut into messages at `cuts`, decoding each row as a token.
    static func tokens(_ stream: [UInt8], cuts: [Int] = []) throws(PostgresError) -> [AccessToken] {
        let schema = RecordSchema.token
        var reader = BinaryCopyReader(columns: schema.columnFields.map(\.column))
        let interner = ScopeInterner()
        var tokens: [AccessToken] = []
        var start = 0
        for end in cuts + [stream.count] {
            let message = Array(stream[start..<end])
            start = end
            try message.withUnsafeBufferPointer { (bytes) throws(PostgresError) in
                try reader.read(bytes) { (row) throws(PostgresError) in tokens.append(try schema.decodeRow(row, from: 0, interner: interner)) }
            }
        }
        try reader.finish()
        return tokens
    }

    /// A `timestamptz` cell (microseconds since 2000) becomes milliseconds since 1970 rounded
    /// half away from zero, as `(extract(epoch from c) * 1000)::bigint` gives them; ±infinity
    /// is no instant.
    @Test func instantsRoundAsExtractDoes() {
        func milliseconds(since1970 micros: Int64) -> Int64? {
            Self.int64(micros - BinaryCopyRow.postgresEpochMilliseconds * 1000).withUnsafeBufferPointer { BinaryCopyRow.milliseconds($0) }
        }
        #expect(milliseconds(since1970: 1_000_500) == 1001 && milliseconds(since1970: 1_000_499) == 1000)
        #expect(milliseconds(since1970: -500) == -1 && milliseconds(since1970: -499) == 0)
        #expect(Self.int64(.max).withUnsafeBufferPointer { BinaryCopyRow.milliseconds($0) } == nil)
        #expect(Self.int64(.min).withUnsafeBufferPointer { BinaryCopyRow.milliseconds($0) } == nil)
    }

    /// A token row as the load copies it, in the binary form of each column's type, decoded
    /// through the schema, whole and cut into messages anywhere; then the same row with a
    /// NULL name, which must name `name`, and a copy without its end, which must fail.
    @Test func tokenRowsDecodeThroughTheSchema() throws {
        let schema = RecordSchema.token
        let micros2000 = (Int64(2_000) - BinaryCopyRow.postgresEpochMilliseconds) * 1000
        let cells: [String: [UInt8]?] = [
            // 1000.5 ms rounds to 1001, as `(extract(epoch from c) * 1000)::bigint` does.
            "created_at": Self.int64((1000 - BinaryCopyRow.postgresEpochMilliseconds) * 1000 + 500), "description": nil,
            "digest": (0..<32).map { UInt8($0) }, "expires_at": withUnsafeBytes(of: Int32(11_000).bigEndian) { Array($0) },
            "id": Self.int64(5), "impersonation": [0], "last_used_at": nil, "last_used_ips": Self.texts(["10.0.0.1", "a\u{1f}b"]),
            "name": Array("ci".utf8), "previous_token_id": Self.int64(4), "revoked": [1], "scopes": Self.texts(["api", "read_user"]),
            "updated_at": Self.int64(micros2000), "user_id": Self.int64(1),
        ]
        let columns = schema.columnFields.map(\.column)
        let stream = Self.binaryCopy([columns.map { cells[$0]! }, columns.map { $0 == "scopes" ? Self.texts([]) : cells[$0]! }])
        let tokens = try Self.tokens(stream)
        let token = try #require(tokens.first)
        #expect(tokens.count == 2 && tokens[1].scopes.isEmpty)
        #expect(token.id == TokenID(5) && token.userID == UserID(1) && token.name == "ci" && token.revoked && !token.impersonation)
        #expect(token.scopes == ["api", "read_user"] && token.lastUsedIPs == ["10.0.0.1", "a\u{1f}b"])
        #expect(token.previousTokenID == TokenID(4) && token.expiresAt == CivilDate(iso8601: "2030-02-12"))
        #expect(token.createdAt == Timestamp(millisecondsSinceEpoch: 1001) && token.updatedAt == Timestamp(millisecondsSinceEpoch: 2000))
        #expect(token.lastUsedAt == nil && token.description == nil && token.digest == TokenDigest(bytes: (0..<32).map { UInt8($0) }))
        for cut in 1..<stream.count {
            #expect(try Self.tokens(stream, cuts: [cut]) == tokens, "cut at \(cut)")
        }

        let broken = Self.binaryCopy([columns.map { $0 == "name" ? nil : cells[$0]! }])
        let error = #expect(throws: PostgresError.self) { try Self.tokens(broken) }
        #expect("\(error!)".contains("name"))
        #expect(throws: PostgresError.self) { try Self.tokens(Array(stream.dropLast(2))) }
    }
}
