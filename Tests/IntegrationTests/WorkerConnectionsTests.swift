import Foundation
import Testing

/// A PostgreSQL worker opens one connection per request thread when it starts, so that its
/// first requests wait for no connect and what it holds does not change with its load; the
/// README's `max_connections` arithmetic counts on it.
@Suite(
    .timeLimit(.minutes(20)),
    .disabled(if: PostgresCluster.unavailable != nil, "\(PostgresCluster.unavailable ?? "")"))
struct WorkerConnectionsTests {
    @Test func aWorkerHoldsAConnectionPerThreadFromItsStart() throws {
        let server = try LiveServer(workers: 0, backend: .postgres)
        defer { server.stop() }
        let url = try #require(server.databaseURL)
        let database = String(url.split(separator: "/").last!.split(separator: "?").first!)
        let cluster = try PostgresCluster.shared()
        func workerConnections() throws -> Int {
            let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()"
            return Int(try cluster.psql(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        #expect(try workerConnections() == 0)
        try server.startWorker(threads: 3)
        // Started and listening: its replica is loaded and its connections open, before any request.
        try server.waitForSocket(server.socket)
        var held = 0
        for _ in 0..<100 {
            held = try workerConnections()
            if held >= 3 { break }
            usleep(50_000)
        }
        #expect(held == 3)
        try server.waitUntilServing(workerExpected: true)
        let token = try server.createToken(name: "reader")
        for _ in 0..<20 { #expect(try server.request("GET", "/personal_access_tokens/self", token: token).status == 200) }
        #expect(try workerConnections() == 3, "requests one at a time open no connection beyond the threads'")
    }
}
