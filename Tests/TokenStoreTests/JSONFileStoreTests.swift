import Foundation
import Testing
import TokenCore
import TokenRecords
import TokendTesting
@testable import TokenStore

/// The file store on a real directory: durability across instances, tail reads, compaction,
/// torn tails, corruption, permissions, and concurrent writers that must lose nothing.
struct JSONFileStoreTests {
    let directory: String
    let now = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)

    init() throws {
        directory = NSTemporaryDirectory() + "tokend-store-\(UUID().uuidString)"
        try StoreSetup.initialize(directory: directory)
    }

    func addUser(_ store: JSONFileStore, _ name: String) throws -> User {
        let now = self.now
        return try store.write { state in
            let user = User(id: state.allocateUserID(), username: name, name: name, email: "\(name)@x", createdAt: now)
            state.put(user)
            return user
        }
    }

    func addToken(_ store: JSONFileStore, owner: UserID, digest: TokenDigest) throws -> TokenID {
        let now = self.now
        return try store.write { state in
            let token = AccessToken(id: state.allocateTokenID(), userID: owner, name: "t", scopes: ["api"], expiresAt: nil, createdAt: now, digest: digest)
            state.put(token)
            return token.id
        }
    }

    var journal: String { directory + "/tokens.journal.1.jsonl" }

    @Test func writesSurviveReopeningAndReachOtherInstances() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let a = try JSONFileStore(directory: directory)
        let b = try JSONFileStore(directory: directory)
        let alice = try addUser(a, "alice")
        #expect(try b.read { $0.user(username: "alice")?.id } == alice.id)
        let token = try addToken(b, owner: alice.id, digest: .test("d1"))
        #expect(try a.read { $0.token(digest: .test("d1"))?.id } == token)
        let reopened = try JSONFileStore(directory: directory)
        #expect(try reopened.read { $0.tokens.count } == 1)
        #expect(try reopened.status().lastSeq == 2)
    }

    @Test func aThrowingTransactionLeavesNothingBehind() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        struct Refused: Error {}
        let store = try JSONFileStore(directory: directory)
        let size = try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int
        #expect(throws: Refused.self) {
            try store.write { state in
                state.put(User(id: state.allocateUserID(), username: "x", name: "x", email: "x", createdAt: now))
                throw Refused()
            }
        }
        #expect(try store.read { $0.users.isEmpty })
        #expect(try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int == size)
        #expect(try addUser(store, "y").id == UserID(1))
    }

    @Test func compactionStartsANewGenerationThatOtherInstancesFollow() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try JSONFileStore(directory: directory)
        writer.compactionThreshold = 2_000
        let reader = try JSONFileStore(directory: directory)
        let user = try addUser(writer, "alice")
        for i in 0..<40 { _ = try addToken(writer, owner: user.id, digest: .test("digest-\(i)")) }
        let status = try writer.status()
        #expect(status.generation > 1)
        #expect(try reader.read { $0.tokens.count } == 40)
        #expect(try reader.status().generation == status.generation)
        #expect(!FileManager.default.fileExists(atPath: journal))
        try writer.compact()
        _ = try addToken(reader, owner: user.id, digest: .test("after"))
        #expect(try writer.read { $0.token(digest: .test("after")) != nil })
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(!files.contains { $0.hasSuffix(".tmp") })
    }

    @Test func aTornTailIsIgnoredThenTruncatedAtTheNextWrite() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        let user = try addUser(store, "alice")
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"kind":"token","op":"put","rec"#.utf8))
        try handle.close()
        let restarted = try JSONFileStore(directory: directory)
        #expect(try restarted.read { $0.user(user.id) != nil })
        _ = try addToken(restarted, owner: user.id, digest: .test("d"))
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    @Test func corruptionRefusesToStartAndTouchesNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        _ = try addUser(store, "alice")
        _ = try addUser(store, "bob")
        var text = try String(contentsOfFile: journal, encoding: .utf8)
        text = "{garbage}\n" + text
        try text.write(toFile: journal, atomically: false, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: journal))
        let message = Self.loadFailure(directory)
        #expect(message?.contains("tokens.journal.1.jsonl") == true)
        #expect(message?.contains("line 1, byte offset 0") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == before)
        try Data().write(to: URL(fileURLWithPath: directory + "/tokens.snapshot.jsonl"))
        #expect(throws: StoreError.self) { try JSONFileStore(directory: directory) }
    }

    @Test func filesAre0600AndTheDirectory0700WhateverTheUmask() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let other = directory + "-umask"
        defer { try? FileManager.default.removeItem(atPath: other) }
        let previous = umask(0)
        defer { umask(previous) }
        try StoreSetup.initialize(directory: other)
        let store = try JSONFileStore(directory: other)
        _ = try addUser(store, "alice")
        try store.compact()
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(try mode(other) == 0o700)
        for file in try FileManager.default.contentsOfDirectory(atPath: other) {
            #expect(try mode(other + "/" + file) == (file == "audit" ? 0o700 : 0o600), "\(file)")
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: other + "/audit") {
            #expect(try mode(other + "/audit/" + file) == 0o600, "\(file)")
        }
    }

    @Test func initialisingTwiceOverwritesNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secret = try Data(contentsOf: URL(fileURLWithPath: directory + "/secret.key"))
        let store = try JSONFileStore(directory: directory)
        _ = try addUser(store, "alice")
        #expect(try StoreSetup.initialize(directory: directory) == false)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/secret.key")) == secret)
        #expect(try JSONFileStore(directory: directory).read { $0.users.count } == 1)
    }

    /// The description of the error opening `directory` raises, or nil when it opens.
    static func loadFailure(_ directory: String) -> String? {
        let result = Result { try JSONFileStore(directory: directory) }
        if case .failure(let error) = result { return String(describing: error) }
        return nil
    }

    /// Separate instances stand for separate processes: each has its own lock descriptor.
    @Test func concurrentWritersLoseNoUpdate() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let owner = try addUser(try JSONFileStore(directory: directory), "owner")
        let stores = try (0..<4).map { _ in try JSONFileStore(directory: directory) }
        for store in stores { store.compactionThreshold = 20_000 }
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let store = stores[worker % stores.count]
            for i in 0..<50 { _ = try? addToken(store, owner: owner.id, digest: .test("w\(worker)-\(i)")) }
        }
        let fresh = try JSONFileStore(directory: directory)
        let tokens = try fresh.read { $0.allTokens() }
        #expect(tokens.count == 400)
        #expect(Set(tokens.map(\.id)).count == 400)
        #expect(Set(tokens.map(\.digest)).count == 400)
    }
}

struct FilesystemCheckTests {
    static let mountinfo = """
        22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        40 22 0:35 / /mnt/share rw,relatime shared:20 - nfs4 server:/export rw,vers=4.2
        41 22 0:36 / /mnt/my\\040files rw - fuse.sshfs host: rw
        42 40 0:37 / /mnt/share/local rw - tmpfs tmpfs rw
        """

    @Test(arguments: [
        ("/var/lib/tokend", "ext4", false),
        ("/mnt/share/tokend", "nfs4", true),
        ("/mnt/share", "nfs4", true),
        ("/mnt/shared", "ext4", false),
        ("/mnt/my files/x", "fuse.sshfs", true),
        ("/mnt/share/local/x", "tmpfs", false),
    ])
    func findsTheMountAndRefusesNetworkFilesystems(path: String, type: String, refused: Bool) {
        let found = FilesystemCheck.filesystemType(of: path, mountinfo: Self.mountinfo)
        #expect(found == type)
        #expect(FilesystemCheck.isRefused(type: type) == refused)
    }
}

/// R18: compactions that produce same-size files within one timestamp tick are still seen.
struct RacyRewriteTests {
    @Test func aCachedReaderSeesEveryGeneration() throws {
        let directory = NSTemporaryDirectory() + "tokend-racy-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try StoreSetup.initialize(directory: directory)
        let writer = try JSONFileStore(directory: directory)
        let reader = try JSONFileStore(directory: directory)
        let now = Timestamp(millisecondsSinceEpoch: 0)
        for round in 0..<20 {
            // Same-size records: a rename of a user, compacted at once, twice per round.
            for name in ["aaaa\(round % 10)", "bbbb\(round % 10)"] {
                try writer.write { state in
                    state.put(User(id: UserID(1), username: name, name: "n", email: "e", createdAt: now))
                }
                try writer.compact()
                #expect(try reader.read { $0.user(UserID(1))?.username } == name)
            }
        }
    }
}

/// The fast decoder must agree with the generic one on every token it accepts.
struct FastRecordDecoderTests {
    @Test func agreesWithTheGenericDecoder() throws {
        let now = Timestamp(millisecondsSinceEpoch: 1_750_000_000_123)
        var token = AccessToken(
            id: TokenID(7), userID: UserID(3), name: "ci \"quoted\"", description: nil, scopes: ["api", "read_user"],
            expiresAt: CivilDate(iso8601: "2027-01-31"), createdAt: now, digest: TokenDigest(hex: String(repeating: "ab", count: 32))!)
        token.lastUsedIPs = ["127.0.0.1", "::1"]
        token.lastUsedAt = now
        token.previousTokenID = TokenID(5)
        var plain = token
        plain.name = "plain"
        plain.description = "a description"
        plain.expiresAt = nil
        let store = NSTemporaryDirectory() + "tokend-fast-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: store) }
        try StoreSetup.initialize(directory: store)
        let repository = try JSONFileStore(directory: store)
        try repository.write { state in
            state.put(User(id: UserID(3), username: "u", name: "u", email: "e", createdAt: now))
            state.put(token)
            state.put(plain.withID(8))
        }
        // The fast path must actually take a plain line (the comparisons below would also pass if
        // it declined every one and the generic decoder did the work); a name with escapes may
        // fall back.
        let record = plain.withID(8)
        let journal = RecordCoding.journalLine(.putToken(record), seq: 1).dropLast()
        let snapshot = RecordCoding.snapshotLine(.putToken(record)).dropLast()
        #expect(FastRecordDecoder.journalToken(journal)?.change == .putToken(record))
        #expect(FastRecordDecoder.snapshotToken(snapshot) == .putToken(record))
        let reloaded = try JSONFileStore(directory: store)
        #expect(try reloaded.read { $0.token(TokenID(7)) } == token)
        #expect(try reloaded.read { $0.token(TokenID(8)) } == plain.withID(8))
        try reloaded.compact()
        let fromSnapshot = try JSONFileStore(directory: store)
        #expect(try fromSnapshot.read { $0.token(TokenID(7)) } == token)
        #expect(try fromSnapshot.read { $0.token(TokenID(8)) } == plain.withID(8))
    }
}

extension AccessToken {
    func withID(_ id: Int) -> AccessToken {
        var copy = self
        copy.id = TokenID(id)
        copy.digest = TokenDigest(hex: String(repeating: "cd", count: 32))!
        return copy
    }
}
