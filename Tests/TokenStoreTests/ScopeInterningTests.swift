import Foundation
import Testing
import TokenCore
import TokendTesting
import TokenStore

/// Tokens loaded with shared scope lists still have each their own scopes, in order.
struct ScopeInterningTests {
    @Test func eachTokenKeepsItsScopesThroughASnapshotAndTheJournal() throws {
        let directory = NSTemporaryDirectory() + "tokend-scopes-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try StoreSetup.initialize(directory: directory)
        let lists: [[Scope]] = [["api"], ["read_api", "api"], ["api", "read_api"], ["api"], [], ["read_user"], ["read_api", "api"]]
        let now = Timestamp(millisecondsSinceEpoch: 0)
        let store = try JSONFileStore(directory: directory)
        func add(_ offset: Int) throws {
            try store.write { state in
                if state.user(UserID(1)) == nil { state.put(User(id: UserID(1), username: "u", name: "u", email: "e", createdAt: now)) }
                for (i, scopes) in lists.enumerated() {
                    state.put(AccessToken(
                        id: TokenID(offset + i + 1), userID: UserID(1), name: "t", scopes: scopes, expiresAt: nil, createdAt: now,
                        digest: .test("\(offset + i)")))
                }
            }
        }
        try add(0)
        try store.compact()
        try add(lists.count)
        let loaded = try JSONFileStore(directory: directory)
        let scopes = try loaded.read { $0.allTokens().map(\.scopes) }
        #expect(scopes == lists + lists)
        try loaded.write { state in
            var token = state.token(TokenID(1))!
            token.scopes.append("sudo")
            state.put(token)
        }
        #expect(try loaded.read { $0.token(TokenID(4))?.scopes } == ["api"])
        #expect(try JSONFileStore(directory: directory).read { $0.token(TokenID(1))?.scopes } == ["api", "sudo"])
    }
}
