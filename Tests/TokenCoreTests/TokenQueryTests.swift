import Testing
import TokenCore
import TokendTesting

struct TokenQueryTests {
    @Test(arguments: [
        ("ci", "", true), ("ci", "CI", true), ("ci-token", "ci", false), ("deploy key", "PLOY", true),
        ("deploy key", "key dep", true), ("deploy key", "key xyz", false), ("a b", "a b", true), ("ab", "a", false),
    ])
    func nameSearch(name: String, search: String, matches: Bool) {
        #expect(TokenQuery.nameMatches(name, search: search) == matches)
    }

    @Test func filtersCombineAndNullsAreExcludedFromDateFilters() {
        let now = Timestamp(iso8601: "2026-06-15T12:00:00Z")!
        let a = AccessToken(id: TokenID(1), userID: UserID(1), name: "a", scopes: ["api"], expiresAt: nil, createdAt: now, digest: .test("1"))
        var b = AccessToken(id: TokenID(2), userID: UserID(1), name: "b", scopes: ["api"], expiresAt: CivilDate(iso8601: "2026-07-01"), createdAt: now, digest: .test("2"))
        b.lastUsedAt = now
        var query = TokenQuery()
        query.expiresAfter = CivilDate(iso8601: "2026-01-01")
        #expect(query.apply(to: [a, b], now: now).map(\.id) == [TokenID(2)])
        query = TokenQuery()
        query.lastUsedAfter = Timestamp(iso8601: "2026-01-01")
        #expect(query.apply(to: [a, b], now: now).map(\.id) == [TokenID(2)])
        query = TokenQuery()
        query.sort = .expiresAsc
        #expect(query.apply(to: [a, b], now: now).map(\.id) == [TokenID(2), TokenID(1)])
        query.sort = .lastUsedDesc
        #expect(query.apply(to: [a, b], now: now).map(\.id) == [TokenID(1), TokenID(2)])
    }
}
