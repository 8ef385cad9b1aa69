import Foundation
import Testing
import TokenCore
import TokendTesting
import TokenStore

/// Snapshots above 4 MB are decoded by two threads: the same state as written, in order, and
/// a damaged line in the second thread's part is reported with its own line and offset.
struct ParallelLoadTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "tokend-parallel-\(UUID().uuidString)"
        try StoreSetup.initialize(directory: directory)
    }

    /// 15,000 tokens (about 5 MB of snapshot) over three users, with varied scopes and dates.
    func seed() throws -> [AccessToken] {
        let store = try JSONFileStore(directory: directory)
        let now = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)
        var written: [AccessToken] = []
        try store.bulkWrite { state in
            for name in ["a", "b", "c"] {
                state.put(User(id: state.allocateUserID(), username: name, name: name, email: "\(name)@x", createdAt: now))
            }
            for i in 0..<15_000 {
                let token = AccessToken(
                    id: state.allocateTokenID(), userID: UserID(i % 3 + 1), name: "token \(i) é", scopes: i % 2 == 0 ? ["api"] : ["read_api", "api"],
                    expiresAt: i % 5 == 0 ? nil : CivilDate(daysSinceEpoch: 20_000 + i % 700), createdAt: now,
                    digest: .test("parallel-\(i)"))
                state.put(token)
                written.append(token)
            }
        }
        let size = try FileManager.default.attributesOfItem(atPath: directory + "/tokens.snapshot.jsonl")[.size] as? Int ?? 0
        #expect(size > 4 << 20, "the snapshot must be large enough for two threads")
        return written
    }

    @Test func twoThreadsLoadTheSameState() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try seed()
        let loaded = try JSONFileStore(directory: directory)
        #expect(try loaded.read { $0.allTokens() } == written)
        #expect(try loaded.read { $0.token(digest: .test("parallel-14999"))?.id } == written.last?.id)
        #expect(try loaded.read { $0.tokens(ownedBy: UserID(2)).count } == 5_000)
    }

    /// Early: this thread fails while the other still decodes; late: the other thread fails.
    @Test(arguments: [false, true])
    func aDamagedLineIsReportedWhereItIs(late: Bool) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try seed()
        let path = directory + "/tokens.snapshot.jsonl"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let damaged = late ? lines.count - 10 : 100
        lines[damaged - 1] = "{\"kind\":\"token\",\"record\":oops}"
        let text = lines.joined(separator: "\n")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let offset = lines[0..<(damaged - 1)].reduce(0) { $0 + $1.utf8.count + 1 }
        let message = JSONFileStoreTests.loadFailure(directory) ?? ""
        #expect(message.contains("line \(damaged), byte offset \(offset)"), "\(message)")
    }
}
