import Testing
import TokenCore
import TokendTesting

/// The token table behind StoreState: dense and sparse ids, lookups by digest through growth,
/// replacement and removal (the probe runs stay intact), against a plain dictionary.
struct TokenTableTests {
    let now = Timestamp(millisecondsSinceEpoch: 1_000)

    func token(_ id: Int, _ digest: String, owner: Int = 1) -> AccessToken {
        AccessToken(id: TokenID(id), userID: UserID(owner), name: "t\(id)", scopes: ["api"], expiresAt: nil, createdAt: now, digest: .test(digest))
    }

    @Test func agreesWithADictionaryThroughPutsReplacementsAndRollbacks() {
        var state = StoreState()
        var reference: [TokenID: AccessToken] = [:]
        var generator = SystemRandomNumberGenerator()
        let ids = Array(1...600) + [5_000_000, 1 << 40, 0, -3]
        for round in 0..<3000 {
            let id = ids.randomElement(using: &generator)!
            let digest = "d\(id)-\(round % 7)"
            state.beginTransaction()
            let put = token(id, digest)
            state.put(put)
            if round % 5 == 0 {
                state.rollback()
            } else {
                state.commit()
                reference[TokenID(id)] = put
            }
        }
        #expect(state.tokens.count == reference.count)
        #expect(state.allTokens().map(\.id) == reference.keys.sorted())
        for (id, expected) in reference {
            #expect(state.token(id) == expected)
            #expect(state.token(digest: expected.digest) == expected)
        }
        for id in ids {
            for variant in 0..<7 where reference[TokenID(id)]?.digest != .test("d\(id)-\(variant)") {
                #expect(state.token(digest: .test("d\(id)-\(variant)")) == nil)
            }
        }
    }

    /// A bulk load indexes digests at the end: the same lookups as one by one.
    @Test func aBulkLoadIndexesEveryDigestAtTheEnd() {
        var state = StoreState()
        state.beginBulkLoad()
        let ids = Array(1...300) + [9_000_000, 1 << 40, 0]
        for id in ids { state.apply(.putToken(token(id, "bulk\(id)"))) }
        state.apply(.putToken(token(7, "bulk7-again")))
        state.endBulkLoad()
        #expect(state.tokens.count == ids.count)
        for id in ids where id != 7 { #expect(state.token(digest: .test("bulk\(id)"))?.id == TokenID(id)) }
        #expect(state.token(digest: .test("bulk7")) == nil)
        #expect(state.token(digest: .test("bulk7-again"))?.id == TokenID(7))
        state.apply(.putToken(token(301, "after")))
        #expect(state.token(digest: .test("after"))?.id == TokenID(301))
    }
}
