import Foundation
import PostgresStore
import Synchronization
import Testing
import TokenCore
import TokenStore
import TokendTesting

/// One contract, every repository: the in-memory one, the JSON store loaded eagerly and on
/// demand, and PostgreSQL. Each runs ``TokenRepository/write(_:_:)`` (the one transaction,
/// written once in TokenCore) over its own primitive, so each must keep what the transaction
/// promises: a write is durable and seen by the next opening of the store; a body that throws
/// leaves no trace, ids included; audit events are committed with their change and never
/// without it; a request's token is checked again and its use recorded inside the write, and a
/// reuse's revocations stick although the write refuses; concurrent writers lose nothing.
@Suite(.timeLimit(.minutes(20)))
struct RepositoryContractTests {
    enum Kind: String, CaseIterable, CustomStringConvertible {
        case inMemory, jsonEager, jsonOnDemand, postgres
        var description: String { rawValue }
    }

    @Test(arguments: [Kind.inMemory, .jsonEager, .jsonOnDemand])
    func contract(_ kind: Kind) throws { try Self.runContract(try Opened(kind)) }

    @Test(.enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
    func contractOnPostgres() throws { try Self.runContract(try Opened(.postgres)) }

    static func runContract(_ store: Opened) throws {
        try aWriteIsDurable(store)
        try aThrowingBodyLeavesNoTrace(store)
        try auditEventsCommitWithTheirChange(store)
        try theCredentialIsCheckedAndItsUseRecorded(store)
        try concurrentWritersLoseNothing(store)
        try sessionsPersistAndEndOnEveryWorker(store)
    }

    /// A signed-in browser's session and a password hash survive a fresh opening (another
    /// worker or host); blocking the user there ends the session here, and so does sign-out.
    static func sessionsPersistAndEndOnEveryWorker(_ store: Opened) throws {
        let service = SignInService(secret: TokenSecret(bytes: Array(repeating: 5, count: 32)), random: .system, hasher: .fastForTests)
        let hash = PasswordHasher.fastForTests.hash("session password")
        let id = try store.repository.write { state -> UserID in
            var user = User(id: state.allocateUserID(), username: "sessioned", name: "S", email: "s@example.com", createdAt: now)
            user.passwordHash = hash
            state.put(user)
            return user.id
        }
        let first = try service.signIn(login: "sessioned", password: "session password", client: .init(address: "192.0.2.1"), in: store.repository, now: now).get()
        let other = try store.reopened()
        #expect(try other.read { $0.user(id)?.passwordHash } == hash, "\(store.kind)")
        #expect(try service.resolve(sessionID: first.sessionID, in: other, now: now)?.session == first.session, "\(store.kind)")
        let second = try service.signIn(login: "sessioned", password: "session password", client: .init(), in: other, now: now).get()
        try service.signOut(sessionID: second.sessionID, in: other)
        #expect(try service.resolve(sessionID: second.sessionID, in: store.repository, now: now) == nil, "\(store.kind): signed out there")
        try other.write { state in _ = try UserDirectory.setBlocked(true, id, in: &state) }
        #expect(try service.resolve(sessionID: first.sessionID, in: store.repository, now: now) == nil, "\(store.kind): blocked there")
        #expect(try store.reopened().read { $0.webSessions.sessions(of: id) }.isEmpty, "\(store.kind)")
    }

    static let now = Timestamp(iso8601: "2026-06-15T12:00:00Z")!

    static func aWriteIsDurable(_ store: Opened) throws {
        let id = try store.repository.write { state -> UserID in
            let id = state.allocateUserID()
            state.put(User(id: id, username: "durable", name: "D", email: "d@example.com", createdAt: now))
            return id
        }
        #expect(try store.repository.read { $0.user(id)?.username } == "durable")
        #expect(try store.reopened().read { $0.user(id)?.username } == "durable", "\(store.kind): a fresh opening sees it")
        #expect(try store.repository.write { _ in 42 } == 42, "a write that changes nothing still answers")
    }

    static func aThrowingBodyLeavesNoTrace(_ store: Opened) throws {
        struct Refused: Error {}
        let before = try store.repository.read { $0.nextUserID }
        #expect(throws: Refused.self) {
            try store.repository.write { state in
                let id = state.allocateUserID()
                state.put(User(id: id, username: "ghost", name: "G", email: "g@example.com", createdAt: now))
                throw Refused()
            }
        }
        #expect(try store.repository.read { $0.user(username: "ghost") } == nil)
        #expect(try store.repository.read { $0.nextUserID } == before, "\(store.kind): the id was given back")
        #expect(try store.reopened().read { $0.user(username: "ghost") } == nil)
    }

    static func auditEventsCommitWithTheirChange(_ store: Opened) throws {
        let context = AuditContext(actor: .console, time: now)
        let before = try store.audit.auditEvents(AuditQuery(createdAfter: now.adding(minutes: -1), createdBefore: now.adding(minutes: 1))).total
        try store.repository.write(.audited(context)) { state in
            state.put(User(id: state.allocateUserID(), username: "audited", name: "A", email: "a@example.com", createdAt: now))
        }
        struct Refused: Error {}
        _ = try? store.repository.write(.audited(context)) { state in
            state.put(User(id: state.allocateUserID(), username: "unaudited", name: "U", email: "u@example.com", createdAt: now))
            throw Refused()
        }
        let after = try store.audit.auditEvents(AuditQuery(createdAfter: now.adding(minutes: -1), createdBefore: now.adding(minutes: 1)))
        #expect(after.total == before + 1, "\(store.kind): one user_created, none for the rolled-back write")
        #expect(after.events.first?.event.name == .userCreated)
    }

    static func theCredentialIsCheckedAndItsUseRecorded(_ store: Opened) throws {
        let settings = InstanceSettings.default
        let (owner, first, second) = try store.repository.write { state -> (UserID, TokenID, TokenID) in
            let owner = state.allocateUserID()
            state.put(User(id: owner, username: "holder", name: "H", email: "h@example.com", createdAt: now))
            let first = AccessToken(
                id: state.allocateTokenID(), userID: owner, name: "old", scopes: [.api], expiresAt: nil, createdAt: now,
                digest: .test("contract-old"))
            var child = AccessToken(
                id: state.allocateTokenID(), userID: owner, name: "new", scopes: [.api], expiresAt: nil, createdAt: now,
                digest: .test("contract-new"))
            child.previousTokenID = first.id
            var revoked = first
            revoked.revoked = true
            state.put(revoked)
            state.put(child)
            return (owner, first.id, child.id)
        }
        // A valid token: its use is recorded in the request's own write.
        let use = CredentialUse(tokenID: second, actor: owner, address: "192.0.2.9", now: now.adding(minutes: 30), settings: settings)
        try store.repository.write(WriteRecording(credential: use)) { _ in }
        #expect(try store.reopened().read { $0.token(second)?.lastUsedIPs } == ["192.0.2.9"], "\(store.kind)")
        // A revoked token on a rotate endpoint: the body never runs, the refusal is thrown, and
        // the family's revocation commits anyway.
        let reuse = CredentialUse(tokenID: first, actor: owner, address: nil, now: now.adding(minutes: 31), settings: settings, detectsReuse: true)
        var ran = false
        #expect(throws: AuthenticationFailure.revoked) {
            try store.repository.write(WriteRecording(audit: AuditContext(actor: .console, time: now), credential: reuse)) { _ in ran = true }
        }
        #expect(!ran)
        #expect(try store.reopened().read { $0.token(second)?.revoked } == true, "\(store.kind): reuse revoked the family")
    }

    static func concurrentWritersLoseNothing(_ store: Opened) throws {
        let failures = Atomic<Int>(0)
        let repository = store.repository
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for index in 0..<25 {
                do {
                    try repository.write { state in
                        state.put(User(id: state.allocateUserID(), username: "w\(worker)-\(index)", name: "W", email: "w@example.com", createdAt: now))
                    }
                } catch {
                    failures.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let names = try store.reopened().read { state in Set(state.allUsers().map(\.username).filter { $0.hasPrefix("w") }) }
        #expect(names.count == 100, "\(store.kind): every acknowledged write is there")
    }
}

/// A repository of one kind, on its own fresh store, and how to open that store again.
struct Opened {
    let kind: RepositoryContractTests.Kind
    let repository: any TokenRepository
    let audit: any AuditLogReading
    /// Opens the same store anew, as another process would (the same object in memory).
    let reopened: () throws -> any TokenRepository

    init(_ kind: RepositoryContractTests.Kind) throws {
        self.kind = kind
        switch kind {
        case .inMemory:
            let memory = InMemoryRepository()
            repository = memory
            audit = memory
            reopened = { memory }
        case .jsonEager, .jsonOnDemand:
            let directory = try LiveServer.makeTemporaryDirectory() + "/store"
            _ = try StoreSetup.initialize(directory: directory)
            let loading: JSONFileStore.Loading = kind == .jsonEager ? .eager : .onDemand
            let store = try JSONFileStore(directory: directory, allowNetworkFilesystem: true, loading: loading)
            repository = store
            audit = store
            reopened = { try JSONFileStore(directory: directory, allowNetworkFilesystem: true, loading: loading) }
        case .postgres:
            let url = try PostgresCluster.createDatabase()
            let location = PostgresLocation(url: url, description: "contract")
            let store = PostgresStore(location: location)
            _ = try store.initialize()
            repository = store
            audit = store
            reopened = { PostgresStore(location: location) }
        }
    }
}
