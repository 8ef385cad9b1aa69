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

    /// The batch's upsert in `tokend.write`: the same columns from the rows' JSON, one row per
    /// key, the last put (highest seq) first, so DISTINCT ON keeps it.
    @Test func theRowsUpsertKeepsTheLastPutOfEachKey() {
        let upsert = RecordSchema.token.upsertRows(
            from: "e WHERE e.bulk = 'token'", json: "e.rec", seq: "e.seq", extra: [("family_id", "(e.rec->>'id')::bigint")])
        for field in RecordSchema.token.fields {
            #expect(upsert.contains("e.rec->'\(field.key)'") || upsert.contains("e.rec->>'\(field.key)'"))
            if field.column != "id" { #expect(upsert.contains("\(field.column) = EXCLUDED.\(field.column)")) }
        }
        #expect(upsert.contains("SELECT DISTINCT ON ((e.rec->>'id')::bigint) "))
        #expect(upsert.contains("ORDER BY (e.rec->>'id')::bigint, e.seq DESC\nON CONFLICT (id) DO UPDATE"))
        #expect(!upsert.contains("(r->"))
        #expect(WriteFunction.sql.contains(upsert))
        // A key of several columns is the same several expressions in DISTINCT ON and ORDER BY.
        let members = RecordSchema.membership.upsertRows(from: "m", json: "m.r", seq: "m.seq")
        #expect(members.contains("DISTINCT ON (m.r->>'resource_type', (m.r->>'resource_id')::bigint, (m.r->>'user_id')::bigint)"))
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
