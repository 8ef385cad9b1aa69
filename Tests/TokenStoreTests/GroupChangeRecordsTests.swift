import Foundation
import JSON
import Testing
import TokenCore
import TokenStore

/// Deleted groups and group shares in the file store: replayed, compacted, and written so that
/// older releases still read what they knew (a share only adds a field to the group's record).
struct GroupChangeRecordsTests {
    let directory: String
    let now = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)

    init() throws {
        directory = NSTemporaryDirectory() + "tokend-group-changes-\(UUID().uuidString)"
        try StoreSetup.initialize(directory: directory)
    }

    func journalLines() throws -> [JSONValue] {
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("tokens.journal") })
        let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
    }

    @Test func deletionsAndSharesSurviveReplayAndCompaction() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let now = self.now
        let store = try JSONFileStore(directory: directory)
        try store.write { state in
            let alice = User(id: state.allocateUserID(), username: "alice", name: "Alice", email: "a@x", createdAt: now)
            state.put(alice)
            let caller = Caller(user: alice, isAdmin: false)
            let top = try ResourceDirectory.createGroup(.init(name: "Top", path: "top"), by: caller, at: now, in: &state)
            _ = try ResourceDirectory.createGroup(.init(name: "Sub", path: "sub", parentID: top.id), by: caller, at: now, in: &state)
            _ = try ResourceDirectory.createGroup(.init(name: "Team", path: "team"), by: caller, at: now, in: &state)
        }
        try store.write { state in
            _ = try GroupSharing.share(GroupID(1), with: GroupID(3), accessLevel: .reporter, expiresAt: nil, by: nil, at: now, in: &state)
            try ResourceRemoval.deleteGroup(GroupID(2), by: nil, at: now, in: &state)
        }
        let lines = try journalLines()
        #expect(lines.contains(.object(["id": .integer(2), "kind": .string("group"), "op": .string("delete"), "seq": .integer(10)])),
                "a deletion by id, shaped as user and project deletions are")
        // The shared group's record is the one older releases wrote, plus `shared_with`.
        let records = lines.filter { $0["kind"] == .string("group") && $0["record"]?["id"] == .integer(1) }.compactMap { $0["record"]?.objectValue }
        #expect(records.count == 2)
        var shared = try #require(records.last)
        #expect(shared.removeValue(forKey: "shared_with")
            == .array([.object(["access_level": .integer(20), "expires_at": .null, "group_id": .integer(3)])]))
        #expect(shared == records.first)
        for reopened in [try JSONFileStore(directory: directory), try { try store.compact(); return try JSONFileStore(directory: directory) }()] {
            try reopened.read { state in
                #expect(state.resources.allGroups().map(\.path) == ["top", "team"])
                #expect(state.resources.resource(atPath: "top/sub") == nil)
                #expect(state.resources.group(GroupID(1))?.sharedWith == [GroupLink(groupID: GroupID(3), accessLevel: .reporter)])
            }
        }
    }
}
