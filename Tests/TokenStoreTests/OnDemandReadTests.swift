import Foundation
import Testing
import TokenCore
import TokendTesting
import TokenStore

/// CGI mode's on-demand reads (`JSONFileStore.Loading.onDemand`) give the answers of a fully
/// loaded store: newest image wins across snapshot and journal, deletions count, other
/// processes' writes and compactions are seen, and reads that need everything load everything.
struct OnDemandReadTests {
    let directory: String
    let now = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)

    init() throws {
        directory = NSTemporaryDirectory() + "tokend-ondemand-\(UUID().uuidString)"
        try StoreSetup.initialize(directory: directory)
    }

    func onDemand() throws -> JSONFileStore { try JSONFileStore(directory: directory, loading: .onDemand) }

    /// What authentication reads: the token by digest and its owner.
    func credential(_ store: JSONFileStore, _ digest: TokenDigest) throws -> Credential? {
        try store.read { state in
            guard let token = state.token(digest: digest), let user = state.user(token.userID) else { return nil }
            return Credential(token: token, user: user)
        }
    }

    /// Users 1-3, tokens 1-30 (digest "t<i>"), compacted, then journal changes on top:
    /// token 5 revoked, user 2 renamed, user 3 deleted, tokens 31-32 added.
    func populate(_ store: JSONFileStore) throws {
        let now = self.now
        try store.write { state in
            for name in ["alice", "bob", "carol"] {
                state.put(User(id: state.allocateUserID(), username: name, name: name, email: "\(name)@x", createdAt: now))
            }
            for i in 1...30 {
                state.put(AccessToken(
                    id: state.allocateTokenID(), userID: UserID(i % 3 + 1), name: "token \(i)", scopes: ["api"],
                    expiresAt: nil, createdAt: now, digest: .test("t\(i)")))
            }
        }
        try store.compact()
        try store.write { state in
            var revoked = state.token(TokenID(5))!
            revoked.revoked = true
            state.put(revoked)
            var bob = state.user(UserID(2))!
            bob.username = "robert"
            state.put(bob)
            for i in 31...32 {
                state.put(AccessToken(
                    id: state.allocateTokenID(), userID: UserID(1), name: "token \(i)", scopes: ["read_api"],
                    expiresAt: nil, createdAt: now, digest: .test("t\(i)")))
            }
        }
        try store.write { state in state.deleteUser(UserID(3)) }
    }

    @Test func singleRecordReadsMatchTheFullState() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let eager = try JSONFileStore(directory: directory)
        try populate(eager)
        for i in 0...33 {
            let digest = TokenDigest.test("t\(i)")
            #expect(try credential(onDemand(), digest) == credential(eager, digest), "token t\(i)")
        }
        for id in 0...4 {
            #expect(try onDemand().read { $0.user(UserID(id)) } == eager.read { $0.user(UserID(id)) }, "user \(id)")
            #expect(try onDemand().read { $0.token(TokenID(id)) } == eager.read { $0.token(TokenID(id)) }, "token \(id)")
        }
        #expect(try onDemand().read { $0.token(TokenID(5))?.revoked } == true)
        #expect(try onDemand().read { $0.user(UserID(2))?.username } == "robert")
    }

    @Test func readsThatNeedEverythingLoadEverything() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let eager = try JSONFileStore(directory: directory)
        try populate(eager)
        #expect(try onDemand().read { $0.allTokens().count } == 32)
        #expect(try onDemand().read { $0.tokens(ownedBy: UserID(1)).map(\.id) } == eager.read { $0.tokens(ownedBy: UserID(1)).map(\.id) })
        #expect(try onDemand().read { $0.user(username: "robert")?.id } == UserID(2))
        let store = try onDemand()
        #expect(try credential(store, .test("t7")) != nil)
        #expect(try store.read { $0.tokens.count } == 32)
        #expect(try credential(store, .test("t7")) == credential(eager, .test("t7")))
    }

    @Test func seesOtherProcessesWritesAndCompactions() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try JSONFileStore(directory: directory)
        try populate(writer)
        let reader = try onDemand()
        #expect(try credential(reader, .test("new")) == nil)
        let now = self.now
        try writer.write { state in
            state.put(AccessToken(
                id: state.allocateTokenID(), userID: UserID(1), name: "new", scopes: ["api"], expiresAt: nil, createdAt: now,
                digest: .test("new")))
        }
        #expect(try credential(reader, .test("new"))?.token.name == "new")
        try writer.write { state in
            var token = state.token(digest: .test("new"))!
            token.revoked = true
            state.put(token)
        }
        try writer.compact()
        #expect(try credential(reader, .test("new"))?.token.revoked == true)
        #expect(try credential(reader, .test("t1"))?.user.username == "robert")
    }

    @Test func writesLoadEverythingFirst() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try populate(try JSONFileStore(directory: directory))
        let store = try onDemand()
        #expect(try credential(store, .test("t1")) != nil)
        let id = try store.write { state in
            let id = state.allocateTokenID()
            state.put(AccessToken(id: id, userID: UserID(1), name: "cgi", scopes: ["api"], expiresAt: nil, createdAt: now, digest: .test("cgi")))
            return id
        }
        #expect(id == TokenID(33))
        #expect(try JSONFileStore(directory: directory).read { $0.token(digest: .test("cgi"))?.id } == id)
    }

    @Test func aCorruptHeaderRefusesToOpen() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("{\"format\":1".utf8).write(to: URL(fileURLWithPath: directory + "/tokens.snapshot.jsonl"))
        #expect(throws: StoreError.self) { try onDemand() }
    }
}
