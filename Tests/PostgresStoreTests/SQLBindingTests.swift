import Testing

@testable import PostgresStore

/// Values go beside the statement, never into its text.
struct SQLBindingTests {
    @Test func interpolatedValuesBecomeParameters() {
        let name = "x'); DROP TABLE tokend.tokens; --"
        let sql: SQL = "SELECT id FROM tokend.tokens WHERE name = \(name) AND id > \(7)::bigint"
        #expect(sql.text == "SELECT id FROM tokend.tokens WHERE name = $1 AND id > $2::bigint")
        #expect(sql.binds == [name, "7"])
        #expect(!sql.text.contains("DROP"))
    }

    @Test func appendedStatementsNumberTheirValuesAfter() {
        var filter: SQL = "a = \(1)"
        filter = filter + " AND b = \("two")"
        let sql: SQL = "SELECT \(0) WHERE \(filter) LIMIT \(3)"
        #expect(sql.text == "SELECT $1 WHERE a = $2 AND b = $3 LIMIT $4")
        #expect(sql.binds == ["0", "1", "two", "3"])
    }

    @Test func nilIsNullAndArraysAreBoundWhole() {
        let sql: SQL = "SELECT \(nil as String?), \(["a\"b", "c\\d", "e,f"])::text[], \([1, 2])::bigint[]"
        #expect(sql.text == "SELECT $1, $2::text[], $3::bigint[]")
        #expect(sql.binds == [nil, #"{"a\"b","c\\d","e,f"}"#, "{1,2}"])
    }

    @Test func onlyTheCodesOwnTextGoesIntoAScript() {
        let script: SQLScript = "SELECT pg_advisory_lock(\(unsafeSQL: "42"))"
        #expect(script.text == "SELECT pg_advisory_lock(42)")
    }

    @Test func arrayLiteralQuotesEveryElementAndDropsNUL() {
        #expect(PostgresArray.literal([]) == "{}")
        #expect(PostgresArray.literal([""]) == #"{""}"#)
        #expect(PostgresArray.literal(["{\"kind\":\"token\"}"]) == #"{"{\"kind\":\"token\"}"}"#)
        #expect(PostgresArray.literal(["a\u{0}b"]) == #"{"ab"}"#)
    }
}
