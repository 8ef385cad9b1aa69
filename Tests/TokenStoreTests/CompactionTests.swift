import Foundation
import Testing
import TokenCore
import TokendTesting

@testable import TokenStore

/// Compaction writes the new snapshot without the store lock: what other writers commit
/// meanwhile is carried into the new generation's journal, and a compaction that another
/// process beat is dropped without trace.
struct CompactionTests {
    let directory: String
    let now = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)

    init() throws {
        directory = NSTemporaryDirectory() + "tokend-compaction-\(UUID().uuidString)"
        try StoreSetup.initialize(directory: directory)
    }

    func addTokens(_ store: JSONFileStore, _ names: [String]) throws {
        let now = self.now
        try store.write { state in
            if state.user(UserID(1)) == nil {
                state.put(User(id: state.allocateUserID(), username: "owner", name: "o", email: "o@x", createdAt: now))
            }
            for name in names {
                state.put(AccessToken(
                    id: state.allocateTokenID(), userID: UserID(1), name: name, scopes: ["api"], expiresAt: nil, createdAt: now,
                    digest: .test(name)))
            }
        }
    }

    func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    @Test func writesDuringTheRewriteAreCarriedOver() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let compacting = try JSONFileStore(directory: directory)
        let other = try JSONFileStore(directory: directory)
        try addTokens(compacting, (0..<10).map { "before-\($0)" })
        let lock = try #require(try CompactionLock(directory: directory))
        let plan = try compacting.withCurrentStoreLocked { compacting.plan(holding: lock) }
        // While the snapshot is being written: another process and this one go on writing.
        try addTokens(other, ["other-1", "other-2"])
        try addTokens(compacting, ["same-1"])
        try addTokens(other, ["other-3"])
        #expect(try compacting.run(plan))
        let status = try compacting.status()
        #expect(status.generation == 2)
        #expect(status.lastSeq == 15)
        #expect(try files() == ["audit", "audit.key", "secret.key", "tokens.journal.2.jsonl", "tokens.lock", "tokens.shm", "tokens.snapshot.jsonl"])
        let journal = try String(contentsOfFile: directory + "/tokens.journal.2.jsonl", encoding: .utf8)
        #expect(journal.split(separator: "\n").count == 4)
        for store in [try JSONFileStore(directory: directory), other, try JSONFileStore(directory: directory, loading: .onDemand)] {
            for name in ["before-0", "before-9", "other-1", "same-1", "other-3"] {
                #expect(try store.read { $0.token(digest: .test(name))?.name } == name)
            }
        }
        #expect(try JSONFileStore(directory: directory).read { $0.tokens.count } == 14)
        try addTokens(other, ["after"])
        #expect(try compacting.read { $0.token(digest: .test("after")) != nil })
    }

    /// An older build compacts under the store lock alone, without the compaction lock.
    @Test func aCompactionBeatenByAnotherIsDropped() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let slow = try JSONFileStore(directory: directory)
        let other = try JSONFileStore(directory: directory)
        try addTokens(slow, ["a", "b"])
        let lock = try #require(try CompactionLock(directory: directory))
        #expect(try CompactionLock(directory: directory) == nil, "one compaction at a time")
        let plan = try slow.withCurrentStoreLocked { slow.plan(holding: lock) }
        try addTokens(other, ["c"])
        try other.withCurrentStoreLocked { try other.compactLocked(holding: lock) }
        try addTokens(other, ["d"])
        #expect(try slow.run(plan) == false)
        #expect(try files() == ["audit", "audit.key", "secret.key", "tokens.journal.2.jsonl", "tokens.lock", "tokens.shm", "tokens.snapshot.jsonl"])
        #expect(try slow.status().generation == 2)
        #expect(try JSONFileStore(directory: directory).read { $0.tokens.count } == 4)
    }

    /// Another process's compaction is followed through the journals: the new snapshot's
    /// records are not read (here: a damaged record line there goes unnoticed), yet every
    /// change is seen.
    @Test func otherProcessesFollowACompactionWithoutReadingTheSnapshot() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let compacting = try JSONFileStore(directory: directory)
        let follower = try JSONFileStore(directory: directory)
        try addTokens(compacting, (0..<5).map { "t\($0)" })
        #expect(try follower.read { $0.tokens.count } == 5)
        try addTokens(compacting, ["late"])
        try compacting.compact()
        try addTokens(compacting, ["later"])
        let snapshot = directory + "/tokens.snapshot.jsonl"
        var lines = try String(contentsOfFile: snapshot, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines[2] = "{damaged"
        try lines.joined(separator: "\n").write(toFile: snapshot, atomically: false, encoding: .utf8)
        #expect(try follower.read { $0.token(digest: .test("later"))?.name } == "later")
        #expect(try follower.read { $0.tokens.count } == 7)
        #expect(try follower.status().generation == 2)
    }

    /// A bulk load's snapshot holds changes no journal line carries: followers reload it.
    @Test func aBulkLoadIsReloaded() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let loader = try JSONFileStore(directory: directory)
        let follower = try JSONFileStore(directory: directory)
        try addTokens(loader, ["a"])
        #expect(try follower.read { $0.tokens.count } == 1)
        let now = self.now
        try loader.bulkWrite { state in
            for i in 0..<3 {
                state.put(AccessToken(
                    id: state.allocateTokenID(), userID: UserID(1), name: "bulk\(i)", scopes: ["api"], expiresAt: nil,
                    createdAt: now, digest: .test("bulk\(i)")))
            }
        }
        #expect(try follower.read { $0.tokens.count } == 4)
        #expect(try follower.read { $0.token(digest: .test("bulk2"))?.name } == "bulk2")
    }
}
