import Foundation
import PostgresStore
import Synchronization
import Testing
import TokenCore

/// Group commit on PostgreSQL: the concurrent writes of one process go to the database in one
/// call of `tokend.write` (counted by the store, never timed), each answered after the commit
/// that holds it, and a write that fails its own checks fails alone.
@Suite(.timeLimit(.minutes(20)), .enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
struct PostgresWriteBatchTests {
    struct Refused: Error, Equatable {}

    /// What the writers' threads report.
    final class Shared: Sendable {
        let outcomes = Mutex<[String: Result<UserID, Refused>]>([:])
        let leaderInBatch = Atomic<Bool>(false)
    }

    static func addUser(_ name: String, in state: inout StoreState) -> User {
        let user = User(
            id: state.allocateUserID(), username: name, name: name, email: "\(name)@example.com",
            createdAt: Timestamp(iso8601: "2026-06-15T12:00:00Z")!)
        state.put(user)
        return user
    }

    @Test func concurrentWritesShareOneCallAndAFailingOneFailsAlone() throws {
        let location = PostgresLocation(url: try PostgresCluster.createDatabase(), description: "batch")
        let store = PostgresStore(location: location)
        _ = try store.initialize()
        _ = try store.write { state in Self.addUser("first", in: &state) }
        let callsBefore = store.writeCalls
        let followers = 6
        let shared = Shared()
        // The first write holds its batch open (its body runs inside it) until every other write
        // has queued: they then go together, in the next batch.
        let leader = Thread {
            let result = Result<UserID, any Error> {
                try store.write { state in
                    shared.leaderInBatch.store(true, ordering: .sequentiallyConsistent)
                    while store.queuedWrites < followers { usleep(1_000) }
                    return Self.addUser("leader", in: &state).id
                }
            }
            shared.outcomes.withLock { $0["leader"] = result.mapError { _ in Refused() } }
        }
        leader.start()
        var threads = [leader]
        for index in 0..<followers {
            let name = "follower\(index)"
            let thread = Thread {
                let result = Result<UserID, any Error> {
                    try store.write { state in
                        let user = Self.addUser(name, in: &state)
                        // One write fails its own check after it changed the state: only its own
                        // change is undone.
                        if index == 2 { throw Refused() }
                        return user.id
                    }
                }
                shared.outcomes.withLock { $0[name] = result.mapError { $0 as? Refused ?? Refused() } }
            }
            threads.append(thread)
        }
        while !shared.leaderInBatch.load(ordering: .sequentiallyConsistent) { usleep(1_000) }
        for thread in threads.dropFirst() { thread.start() }
        while shared.outcomes.withLock({ $0.count }) < followers + 1 { usleep(5_000) }

        let results = shared.outcomes.withLock { $0 }
        #expect(store.writeCalls - callsBefore == 2, "the leader's call, then one call for the six that queued behind it")
        #expect((try? results["follower2"]?.get()) == nil)
        let succeeded = results.filter { $0.key != "follower2" }
        #expect(succeeded.values.allSatisfy { (try? $0.get()) != nil })

        // What committed is what a fresh process reads, and nothing of the refused write.
        let reopened = PostgresStore(location: location)
        let names = try reopened.read { state in Set(state.allUsers().map(\.username)) }
        #expect(names.isSuperset(of: ["first", "leader"] + (0..<followers).filter { $0 != 2 }.map { "follower\($0)" }))
        #expect(!names.contains("follower2"))
        let ids = try reopened.read { state in state.allUsers().map(\.id) }
        #expect(Set(ids).count == ids.count)
    }

    /// One call of `tokend.write` that puts a new token twice, rotates it twice and revokes the
    /// middle one, all in the same call: the tables end as those puts one after another would
    /// leave them (one family, named by the first token; the last put of each token wins).
    @Test func repeatedPutsAndRotationsInOneCallLeaveTheTablesAsInOrder() throws {
        let url = try PostgresCluster.createDatabase()
        let database = String(url.split(separator: "/").last!)
        let store = PostgresStore(location: PostgresLocation(url: url, description: "batch"))
        _ = try store.initialize()
        let owner = try store.write { state in Self.addUser("owner", in: &state).id }
        let callsBefore = store.writeCalls
        let created = Timestamp(iso8601: "2026-06-15T12:00:00Z")!
        let ids = try store.write { state -> [TokenID] in
            func token(_ name: String, previous: TokenID?) -> AccessToken {
                let id = state.allocateTokenID()
                return AccessToken(
                    id: id, userID: owner, name: name, scopes: [Scope(rawValue: "api")], expiresAt: nil, createdAt: created,
                    previousTokenID: previous, digest: TokenDigest(bytes: Array(repeating: UInt8(id.rawValue), count: 32)))
            }
            var first = token("first", previous: nil)
            state.put(first)
            first.revoked = true
            state.put(first)
            var second = token("second", previous: first.id)
            state.put(second)
            let third = token("third", previous: second.id)
            state.put(third)
            second.revoked = true
            state.put(second)
            return [first.id, second.id, third.id]
        }
        #expect(store.writeCalls - callsBefore == 1)
        let cluster = try PostgresCluster.shared()
        let rows = try cluster.psql(
            "SELECT string_agg(id || ':' || family_id || ':' || revoked, ' ' ORDER BY id) FROM tokend.tokens", database: database)
        let family = ids[0].rawValue
        #expect(rows == "\(ids[0].rawValue):\(family):true \(ids[1].rawValue):\(family):true \(ids[2].rawValue):\(family):false")
        #expect(try cluster.psql("SELECT string_agg(id::text, ' ') FROM tokend.token_families", database: database) == "\(family)")
        // The log holds every put, in order, and a fresh process reads what the tables say.
        let log = "SELECT (SELECT last_seq FROM tokend.instance) = max(seq) AND count(*) = max(seq) FROM tokend.changes"
        #expect(try cluster.psql(log, database: database) == "t")
        let reopened = PostgresStore(location: PostgresLocation(url: url, description: "batch"))
        let revoked = try reopened.read { state in ids.map { state.token($0)?.revoked } }
        #expect(revoked == [true, true, false])
    }
}
