import Testing
import TokenCore
import TokenRecords

@testable import PostgresStore

/// The SQL derived from a record's schema: every field has its column in the upsert, the COPY
/// and the load, and the key order the JSON coding relies on is sorted.
struct RecordTableTests {
    @Test func tokenKeysAreSortedAndColumnsUnique() {
        let keys = RecordSchema.token.fields.map(\.key)
        #expect(keys == keys.sorted())
        let columns = RecordSchema.token.fields.map(\.column)
        #expect(Set(columns).count == columns.count)
    }

    @Test func theUpsertWritesEveryColumnFromItsKey() {
        let upsert = RecordSchema.token.upsert(extra: [("family_id", "family")])
        for field in RecordSchema.token.fields {
            #expect(upsert.contains(field.column))
            #expect(upsert.contains("'\(field.key)'"))
            if field.column != "id" { #expect(upsert.contains("\(field.column) = EXCLUDED.\(field.column)")) }
        }
        #expect(upsert.contains("INSERT INTO tokend.tokens (family_id, created_at"))
        #expect(WriteFunction.sql.contains(upsert))
    }

    @Test func copyCellsMatchTheColumnList() {
        let token = AccessToken(
            id: TokenID(3), userID: UserID(1), name: "n\tame", description: "it's", scopes: ["api"], expiresAt: nil,
            createdAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_123), digest: TokenDigest(bytes: [UInt8](repeating: 7, count: 32)))
        let cells = RecordSchema.token.copyCells(token)
        #expect(cells.count == RecordSchema.token.fields.count)
        #expect(TableCopy.tokenColumns.split(separator: ",").count == cells.count + 1)
        let byColumn = Dictionary(uniqueKeysWithValues: zip(RecordSchema.token.fields.map(\.column), cells))
        #expect(byColumn["scopes"] == #"{"api"}"#)
        #expect(byColumn["expires_at"]! == nil)
        #expect(byColumn["digest"] == "\\x" + String(repeating: "07", count: 32))
        #expect(byColumn["created_at"] == Timestamp(millisecondsSinceEpoch: 1_700_000_000_123).iso8601)
    }
}
