import Foundation
import Testing
import TokenCore
import TokenStore

/// Groups, projects and memberships in the file store: replayed from the journal, carried by
/// compaction, and a resource token's bot, membership and token written as one transaction.
struct ResourceRecordsTests {
    let directory: String
    let now = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)

    init() throws {
        directory = NSTemporaryDirectory() + "tokend-resources-\(UUID().uuidString)"
        try StoreSetup.initialize(directory: directory)
    }

    func issuer(_ random: RandomSource = .seeded(3)) -> TokenIssuer {
        TokenIssuer(secret: TokenSecret(bytes: Array(repeating: 1, count: 32)), random: random, clock: .constant(now), settings: .default)
    }

    /// alice owns group `acme`, which holds project `acme/app`; bob is a Developer of the project.
    func populate(_ store: JSONFileStore) throws -> (alice: User, bob: User, project: ProjectID) {
        let now = self.now
        return try store.write { state in
            let alice = User(id: state.allocateUserID(), username: "alice", name: "Alice", email: "a@x", createdAt: now)
            let bob = User(id: state.allocateUserID(), username: "bob", name: "Bob", email: "b@x", createdAt: now)
            state.put(alice)
            state.put(bob)
            let caller = Caller(user: alice, isAdmin: false)
            let group = try ResourceDirectory.createGroup(.init(name: "Acme", path: "acme"), by: caller, at: now, in: &state)
            let project = try ResourceDirectory.createProject(.init(name: "App", path: "app", groupID: group.id), by: caller, at: now, in: &state)
            _ = try ResourceDirectory.addMember(bob.id, to: .project(project.id), accessLevel: 30, expiresAt: nil, by: caller, at: now, in: &state)
            return (alice, bob, project.id)
        }
    }

    @Test func resourcesSurviveReplayAndCompaction() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        let (alice, bob, project) = try populate(store)
        let replayed = try JSONFileStore(directory: directory)
        try replayed.read { state in
            #expect(state.resources.resource(atPath: "ACME/app") == .project(project))
            #expect(AccessPolicy.accessLevel(of: alice.id, in: .project(project), state: state, now: now) == .owner)
            #expect(AccessPolicy.accessLevel(of: bob.id, in: .project(project), state: state, now: now) == .developer)
        }
        try store.write { state in
            try ResourceDirectory.removeMember(bob.id, from: .project(project), by: nil, at: now, in: &state)
        }
        try store.compact()
        let compacted = try JSONFileStore(directory: directory)
        try compacted.read { state in
            #expect(state.resources.members(of: .project(project)).isEmpty)
            #expect(state.resources.allGroups().map(\.path) == ["acme"])
            #expect(state.resources.fullPath(of: .project(project)) == "acme/app")
            #expect(state.nextProjectID == 2)
        }
        // Ids are not reused after reopening.
        let next = try compacted.write { state in
            try ResourceDirectory.createProject(.init(name: "Two", path: "two", groupID: GroupID(1)), by: nil, at: now, in: &state).id
        }
        #expect(next == ProjectID(2))
    }

    @Test func aResourceTokenIsOneTransaction() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        let (alice, _, project) = try populate(store)
        let service = ResourceTokenService(issuer: issuer(), random: .seeded(4), host: "example.com")
        let caller = Caller(user: alice, isAdmin: false)
        let before = try store.status().lastSeq
        let tooLong = TokenRequest(name: "ci", scopes: ["api"], expiresAt: CivilDate(year: 2030, month: 1, day: 1))
        #expect(throws: ResourceTokenService.Failure.self) {
            try store.write { state in try service.create(tooLong, accessLevel: .maintainer, in: .project(project), by: caller, state: &state) }
        }
        #expect(try store.status().lastSeq == before)
        let request = TokenRequest(name: "ci", scopes: ["api"], expiresAt: CivilDate(year: 2025, month: 12, day: 1))
        let issued = try store.write { state in try service.create(request, accessLevel: .maintainer, in: .project(project), by: caller, state: &state) }
        #expect(try store.status().lastSeq == before + 3)
        let reopened = try JSONFileStore(directory: directory)
        try reopened.read { state in
            #expect(state.user(issued.token.userID)?.isBot == true)
            #expect(ResourceTokenService.tokens(of: .project(project), state: state).map(\.id) == [issued.token.id])
        }
    }

    @Test func aDeletedUsersPersonalProjectIsGoneAfterReplay() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        let (_, bob, _) = try populate(store)
        let now = self.now
        let personal = try store.write { state in
            try ResourceDirectory.createProject(.init(name: "Own", path: "own"), by: Caller(user: bob, isAdmin: false), at: now, in: &state).id
        }
        try store.write { state in try UserDirectory.delete(bob.id, at: now, in: &state) }
        let reopened = try JSONFileStore(directory: directory)
        try reopened.read { state in
            #expect(state.resources.project(personal) == nil)
            #expect(state.resources.resource(atPath: "bob/own") == nil)
            #expect(state.resources.memberships(of: bob.id).isEmpty)
            #expect(state.resources.allProjects().map(\.path) == ["app"])
        }
    }
}

/// A bot's owning resource survives the store, and bots written before it was stored get it
/// from their username when they load.
struct BotRecordTests {
    @Test func theOwningResourceIsStoredAndOldBotsGetItFromTheirName() throws {
        let directory = NSTemporaryDirectory() + "tokend-bots-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try StoreSetup.initialize(directory: directory)
        let now = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)
        let store = try JSONFileStore(directory: directory)
        try store.write { state in
            state.put(User(id: UserID(7), username: "group_4_bot_ab", name: "g", email: "g@x", botResource: .group(GroupID(4)), createdAt: now))
        }
        // A line as older builds wrote it: "bot": true and no "bot_of".
        let old = #"{"kind":"user","op":"put","record":{"admin":false,"bot":true,"created_at":1750000000000,"email":"b@x","id":8,"name":"b","state":"active","username":"project_3_bot_0f"},"seq":2}"#
        let journal = directory + "/" + (try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasPrefix("tokens.journal") }!)
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((old + "\n").utf8))
        try handle.close()
        let reopened = try JSONFileStore(directory: directory)
        #expect(try reopened.read { $0.user(UserID(7))?.botResource } == .group(GroupID(4)))
        #expect(try reopened.read { $0.user(UserID(8))?.botResource } == .project(ProjectID(3)))
        try reopened.compact()
        #expect(try JSONFileStore(directory: directory).read { $0.user(UserID(8))?.botResource } == .project(ProjectID(3)))
    }
}
