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

    /// A token row as the load selects it, decoded through the schema; then the same row with
    /// a NULL name, which must name `name`.
    @Test func tokenRowsDecodeThroughTheSchema() throws {
        let schema = RecordSchema.token
        let digest = String(repeating: "ab", count: 32)
        let cells: [String: String?] = [
            "created_at": "1000", "description": nil, "digest": digest, "expires_at": "2030-01-02", "id": "5",
            "impersonation": "f", "last_used_at": nil, "last_used_ips": "10.0.0.1\u{1f}10.0.0.2", "name": "ci",
            "previous_token_id": "4", "revoked": "t", "scopes": "api\u{1f}read_user", "updated_at": "2000", "user_id": "1",
        ]
        let columns = schema.fields.map(\.column)
        let rows = Self.result(columns, [columns.map { cells[$0]! }])
        var lists: [String: [Scope]] = [:]
        let token = try schema.decodeRow(rows, 0, columns: schema.columns(in: rows), scopeLists: &lists)
        #expect(token.id == TokenID(5) && token.userID == UserID(1) && token.name == "ci" && token.revoked)
        #expect(token.scopes == ["api", "read_user"] && token.lastUsedIPs == ["10.0.0.1", "10.0.0.2"])
        #expect(token.previousTokenID == TokenID(4) && token.expiresAt == CivilDate(iso8601: "2030-01-02"))
        #expect(token.updatedAt == Timestamp(millisecondsSinceEpoch: 2000) && token.lastUsedAt == nil)

        let broken = Self.result(columns, [columns.map { $0 == "name" ? nil : cells[$0]! }])
        let error = #expect(throws: PostgresError.self) {
            try schema.decodeRow(broken, 0, columns: schema.columns(in: broken), scopeLists: &lists)
        }
        #expect("\(error!)".contains("name"))
    }
}
