import Foundation
import JSON
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Shared flushes (group commit): concurrent writers append under the store lock, let it go,
/// and are answered only once an `fdatasync` covering their lines returned. These tests stop a
/// worker between the append and the flush, and make the shared flush fail, with several
/// writers in flight, and check what the clients were told against what the store holds.
@Suite(.timeLimit(.minutes(20)))
struct GroupCommitReliabilityTests {
    /// Sends `count` creates from `parallel` clients; returns each answer's status and, for a
    /// 201, the token.
    func creates(_ server: LiveServer, admin: String, count: Int, parallel: Int, name: String) -> [(status: Int, token: String?)] {
        let results = Mutex([(status: Int, token: String?)]())
        DispatchQueue.concurrentPerform(iterations: parallel) { client in
            for i in stride(from: client, to: count, by: parallel) {
                let response = try? server.request(
                    "POST", "/users/1/personal_access_tokens", token: admin, form: "name=\(name)\(i)&scopes=api")
                let answer = (response?.status ?? 0, response.flatMap { $0.status == 201 ? $0.json?["token"]?.stringValue : nil })
                results.withLock { $0.append(answer) }
            }
        }
        return results.withLock { $0 }
    }

    func tokenCount(_ server: LiveServer) throws -> Int {
        let check = try server.tokend(["store", "check", "--data", server.data])
        let line = check.split(separator: "\n").first { $0.hasPrefix("tokens ") }
        return Int(line?.split(separator: " ").last ?? "") ?? -1
    }

    /// A worker killed between its append and the flush (with other writers of the same worker
    /// waiting on that flush): every token a client got a 201 for is present and works after a
    /// restart, the store checks clean, and what is present beyond them is complete records.
    @Test func crashBetweenAppendAndFlushLosesNothingAcknowledged() throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let admin = try server.createToken(name: "admin")
        let before = try tokenCount(server)
        try server.startWorker(
            threads: 4, environment: ["TOKEND_TEST_HOOKS": "1", "TOKEND_FAILPOINT": "journal.after-append-before-flush:10"])
        let answers = creates(server, admin: admin, count: 24, parallel: 6, name: "gc")
        let acknowledged = answers.compactMap(\.token)
        #expect(acknowledged.count >= 1 && acknowledged.count < 24, "\(answers.map(\.status))")
        #expect(answers.allSatisfy { $0.status == 201 || $0.status >= 500 }, "\(answers.map(\.status))")
        _ = server.stopWorkers()
        try server.startWorker()
        let check = try LiveServer.run(server.binary, ["store", "check", "--data", server.data])
        #expect(check.status == 0, "\(check.stderr)")
        let present = try tokenCount(server)
        #expect(present >= before + acknowledged.count)
        for token in acknowledged {
            #expect(try server.request("GET", "/personal_access_tokens/self", token: token).status == 200)
        }
        let verify = try LiveServer.run(server.binary, ["audit", "verify", "--data", server.data])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(try server.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=after&scopes=api").status == 201)
    }

    /// The shared flush fails (EIO) with several writers waiting on it: none of them, and no
    /// later writer of that worker, is acknowledged; the lines no flush covered are cut off, so
    /// a fresh worker holds exactly what was there before, and writes normally.
    @Test func failedSharedFlushAcknowledgesNothing() throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let admin = try server.createToken(name: "admin")
        let before = try tokenCount(server)
        try server.startWorker(threads: 4, environment: ["TOKEND_TEST_HOOKS": "1", "TOKEND_FAILPOINT": "journal.sync=eio"])
        let answers = creates(server, admin: admin, count: 16, parallel: 4, name: "eio")
        #expect(answers.allSatisfy { $0.status == 503 }, "\(answers.map(\.status))")
        #expect(server.workerLogs.contains("refusing writes until restart"))
        _ = server.stopWorkers()
        #expect(try tokenCount(server) == before)
        // The undone writes' audit lines were taken back with them: the chain matches the journal.
        let verify = try LiveServer.run(server.binary, ["audit", "verify", "--no-repair", "--data", server.data])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        try server.startWorker()
        let next = try server.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=after&scopes=api")
        #expect(next.status == 201)
        #expect(try tokenCount(server) == before + 1)
    }
}
