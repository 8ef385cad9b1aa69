import Testing
import TokenCore
import TokendTesting

/// A partial state answers only for what it resolved, and says what else a read asked for.
struct PartialStateTests {
    let now = Timestamp(millisecondsSinceEpoch: 1_000)

    @Test func answersForResolvedKeysAndRecordsEveryOtherQuery() {
        let alice = User(id: UserID(1), username: "alice", name: "A", email: "a@x", createdAt: now)
        let token = AccessToken(id: TokenID(4), userID: alice.id, name: "t", scopes: ["api"], expiresAt: nil, createdAt: now, digest: .test("a"))
        let state = StoreState.partial(
            tokens: [token], users: [alice], resolvedDigests: [.test("a"), .test("gone")], resolvedTokenIDs: [TokenID(4)],
            resolvedUserIDs: [alice.id])
        #expect(state.token(digest: .test("a")) == token)
        #expect(state.token(digest: .test("gone")) == nil)
        #expect(state.token(TokenID(4)) == token)
        #expect(state.user(alice.id) == alice)
        #expect(state.partialDemands == [])
        #expect(state.user(UserID(2)) == nil)
        #expect(state.token(digest: .test("b")) == nil)
        #expect(state.partialDemands == [.user(UserID(2)), .tokenDigest(.test("b"))])
        _ = state.allTokens()
        #expect(state.partialDemands?.contains(.everything) == true)
    }

    @Test func aCompleteStateRecordsNothing() {
        let state = StoreState()
        _ = state.user(UserID(1))
        _ = state.tokens.count
        #expect(state.partialDemands == nil)
    }
}
