import Foundation
import PostgresStore
import Testing
import TokenCore

/// A write whose replica is behind the log (another host wrote since) loses its first call of
/// `tokend.write` and runs again on the entries missed. The lost call keeps the write lock for
/// that retry, so no other write can commit in between and the retry cannot lose; a kept lock
/// that no retry uses is let go at once. Watched from a third session, which asks for the lock
/// without waiting for it.
@Suite(.timeLimit(.minutes(20)), .enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
struct PostgresWriteRetryTests {
    struct Refused: Error {}

    /// Whether another session can take the write lock now (it lets go when psql exits).
    static func lockIsFree(database: String) throws -> Bool {
        try PostgresCluster.shared().psql("SELECT pg_try_advisory_lock(128021892001380)", database: database) == "t"
    }

    /// Two "hosts" on one new database, both loaded; the database's name.
    static func twoHosts() throws -> (a: PostgresStore, b: PostgresStore, database: String) {
        let url = try PostgresCluster.createDatabase()
        let a = PostgresStore(location: PostgresLocation(url: url, description: "a"))
        _ = try a.initialize()
        let b = PostgresStore(location: PostgresLocation(url: url, description: "b"))
        _ = try b.read { $0.allUsers().count }
        return (a, b, String(url.split(separator: "/").last ?? ""))
    }

    /// Writes user "on-b" through `b`: how many times the write's body ran, and whether another
    /// session could take the lock while it ran the second time (the retry).
    static func writeOnB(_ b: PostgresStore, database: String) throws -> (runs: Int, freeDuringRetry: Bool?) {
        var runs = 0
        var freeDuringRetry: Bool?
        _ = try b.write { state in
            runs += 1
            if runs == 2 { freeDuringRetry = try Self.lockIsFree(database: database) }
            return PostgresWriteBatchTests.addUser("on-b", in: &state)
        }
        return (runs, freeDuringRetry)
    }

    @Test func theRetryOfALostAttemptHoldsTheLockUntilItCommits() throws {
        let (a, b, database) = try Self.twoHosts()
        _ = try a.write { state in PostgresWriteBatchTests.addUser("on-a", in: &state) }
        let callsBefore = b.writeCalls
        let (runs, freeDuringRetry) = try Self.writeOnB(b, database: database)
        #expect(runs == 2, "b's replica was behind: its first attempt lost")
        #expect(b.writeCalls - callsBefore == 2)
        #expect(freeDuringRetry == false, "the lost attempt kept the lock for the retry")
        #expect(try Self.lockIsFree(database: database), "the retry's commit let go of it")
        let names = try PostgresStore(location: a.location).read { Set($0.allUsers().map(\.username)) }
        #expect(names.isSuperset(of: ["on-a", "on-b"]))
    }

    /// Entries missed that call for a reload of the tables (here a bulk write's marker): the
    /// reload, which takes long on a big store, does not hold the lock; the retry is optimistic.
    @Test func aLostAttemptThatReloadsLetsGoOfTheLockFirst() throws {
        let (a, b, database) = try Self.twoHosts()
        _ = try a.write { state in PostgresWriteBatchTests.addUser("on-a", in: &state) }
        _ = try PostgresCluster.shared().psql(
            #"BEGIN; INSERT INTO tokend.changes (seq, change) SELECT last_seq + 1, '{"kind":"reload"}' FROM tokend.instance; "#
                + "UPDATE tokend.instance SET last_seq = last_seq + 1; COMMIT", database: database)
        let (runs, freeDuringRetry) = try Self.writeOnB(b, database: database)
        #expect(runs == 2)
        #expect(freeDuringRetry == true, "the lock was let go before the reload")
        let names = try PostgresStore(location: a.location).read { Set($0.allUsers().map(\.username)) }
        #expect(names.isSuperset(of: ["on-a", "on-b"]))
    }

    @Test func aKeptLockThatNoRetryUsesIsLetGo() throws {
        let (a, b, database) = try Self.twoHosts()
        _ = try a.write { state in PostgresWriteBatchTests.addUser("on-a", in: &state) }
        var runs = 0
        var refused = false
        do {
            _ = try b.write { state in
                runs += 1
                let user = PostgresWriteBatchTests.addUser("on-b", in: &state)
                // On the entries missed, the write fails its own check: the retry sends nothing.
                if runs == 2 { throw Refused() }
                return user
            }
        } catch is Refused {
            refused = true
        }
        #expect(runs == 2 && refused)
        #expect(try Self.lockIsFree(database: database))
        // Both hosts write again at once (a lock still held would make them wait, then fail).
        _ = try a.write { state in PostgresWriteBatchTests.addUser("again-a", in: &state) }
        _ = try b.write { state in PostgresWriteBatchTests.addUser("again-b", in: &state) }
        let names = try PostgresStore(location: a.location).read { Set($0.allUsers().map(\.username)) }
        #expect(names.isSuperset(of: ["on-a", "again-a", "again-b"]) && !names.contains("on-b"))
    }
}
