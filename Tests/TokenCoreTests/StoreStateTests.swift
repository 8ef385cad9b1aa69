import Testing
import TokenCore
import TokendTesting

struct StoreStateTests {
    let now = Timestamp(millisecondsSinceEpoch: 1_000)

    @Test func rollbackRestoresRecordsIndexesAndCounters() {
        var state = StoreState()
        state.beginTransaction()
        let alice = User(id: state.allocateUserID(), username: "Alice", name: "A", email: "a@x", createdAt: now)
        state.put(alice)
        state.commit()
        state.beginTransaction()
        state.put(AccessToken(id: state.allocateTokenID(), userID: alice.id, name: "t", scopes: ["api"], expiresAt: nil, createdAt: now, digest: .test("abc")))
        var renamed = alice
        renamed.username = "bob"
        state.put(renamed)
        #expect(state.pendingChanges.count == 2)
        state.rollback()
        #expect(state.token(digest: .test("abc")) == nil)
        #expect(state.tokens(ownedBy: alice.id).isEmpty)
        #expect(state.user(username: "alice")?.id == alice.id)
        #expect(state.user(username: "bob") == nil)
        #expect(state.nextTokenID == 1)
        #expect(state.allTokens().isEmpty)
        #expect(state.tokens(atPositions: 0..<20).isEmpty)
    }

    @Test func replayingChangesIsIdempotentAndIDsNeverRepeat() {
        var state = StoreState()
        let user = User(id: UserID(5), username: "u", name: "U", email: "u@x", createdAt: now)
        state.apply(.putUser(user))
        state.apply(.putUser(user))
        state.apply(.deleteUser(user.id))
        #expect(state.users.isEmpty)
        #expect(state.allocateUserID() == UserID(6))
    }

    @Test func tokensOfAUserStayOrderedById() {
        var state = StoreState()
        for id in [3, 1, 2] {
            state.apply(.putToken(AccessToken(id: TokenID(id), userID: UserID(1), name: "t\(id)", scopes: [], expiresAt: nil, createdAt: now, digest: .test("d\(id)"))))
        }
        #expect(state.tokens(ownedBy: UserID(1)).map(\.id.rawValue) == [1, 2, 3])
        #expect(state.allTokens().map(\.id.rawValue) == [1, 2, 3])
        #expect(state.tokens(atPositions: 1..<10).map(\.id.rawValue) == [2, 3])
    }
}
