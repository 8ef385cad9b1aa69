import Foundation
import JSON
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Several tokend hosts on one PostgreSQL database (issue #17). Each "host" is a LiveServer of
/// its own: its own data directory, nginx, port and workers; the two share nothing but the
/// database. Bounded in count and time; every process stopped by PID.
@Suite(
    .timeLimit(.minutes(20)), .serialized,
    .enabled(if: PostgresCluster.unavailable == nil, "PostgreSQL is not installed (scripts/deps test installs it)"))
struct MultiHostTests {
    /// Host A on a new database, and host B on the same one.
    func twoHosts(workers: Int = 1, database: String? = nil) throws -> (a: LiveServer, b: LiveServer) {
        let a = try LiveServer(workers: workers, backend: .postgres, databaseURL: database)
        let b = try LiveServer(workers: workers, backend: .postgres, databaseURL: a.databaseURL)
        return (a, b)
    }

    /// A token created through A authenticates through B at once; a token revoked through A is
    /// refused through B on the very next request; a rotation through A retires the old token
    /// on B. 40 rounds.
    @Test func writesThroughOneHostAreSeenByTheOtherAtTheNextRequest() throws {
        let (a, b) = try twoHosts()
        defer { a.stop(); b.stop() }
        let admin = try a.createToken(name: "admin", scopes: "api")
        var failures: [String] = []
        for i in 0..<40 {
            let created = try a.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=t\(i)&scopes[]=api")
            guard let token = created.json?["token"]?.stringValue else {
                failures.append("create \(i): \(created.status)")
                continue
            }
            let seen = try b.request("GET", "/personal_access_tokens/self", token: token)
            if seen.status != 200 { failures.append("B before revoke \(i): \(seen.status)") }
            if i % 2 == 0 {
                let revoked = try a.request("DELETE", "/personal_access_tokens/self", token: token)
                if revoked.status != 204 { failures.append("revoke \(i): \(revoked.status)") }
            } else {
                let rotated = try a.request("POST", "/personal_access_tokens/self/rotate", token: token)
                if rotated.status != 200 { failures.append("rotate \(i): \(rotated.status)") }
            }
            let after = try b.request("GET", "/personal_access_tokens/self", token: token)
            if after.status != 401 || after.header("WWW-Authenticate")?.contains("invalid_token") != true {
                failures.append("B after \(i): \(after.status)")
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Two hosts rotate one token at the same moment, 6 times: exactly one succeeds; the loser
    /// presented a token revoked by the winner, which is reuse, so the winner's successor is
    /// revoked too (as GitLab does, and as the same two requests one after another would).
    @Test func concurrentRotationsThroughBothHostsHaveOneWinner() throws {
        let (a, b) = try twoHosts(workers: 1)
        defer { a.stop(); b.stop() }
        let admin = try a.createToken(name: "admin", scopes: "api")
        for round in 0..<6 {
            let token = try a.createToken(name: "contended\(round)", scopes: "api")
            let statuses = Mutex<[Int]>([])
            let threads = [a, b].map { host in
                Thread {
                    let status = (try? host.request("POST", "/personal_access_tokens/self/rotate", token: token).status) ?? -1
                    statuses.withLock { $0.append(status) }
                }
            }
            for thread in threads { thread.start() }
            while statuses.withLock({ $0.count }) < 2 { usleep(20_000) }
            let codes = statuses.withLock { $0 }.sorted()
            #expect(codes == [200, 401], "round \(round): \(codes)")
            let family = try b.request("GET", "/personal_access_tokens?search=contended\(round)", token: admin).json?.arrayValue ?? []
            #expect(family.count == 2, "round \(round): one successor only")
            #expect(family.allSatisfy { $0["active"] == .bool(false) }, "round \(round): reuse revoked the family")
        }
    }

    /// Lost updates: two writers per host, on both hosts at once, 2 × 150 creates: every 201 is
    /// listed, offline and through either host, with no duplicate id and no 5xx.
    @Test func noLostUpdatesWithWritersOnBothHosts() throws {
        let (a, b) = try twoHosts(workers: 2)
        defer { a.stop(); b.stop() }
        let admin = try a.createToken(name: "admin", scopes: "api")
        let alice = try a.createUser("alice")
        let results = Mutex<[Int]>([])
        let writers = [a, b].map { host in
            Thread {
                let codes = (try? host.load(
                    count: 150, parallel: 2, method: "POST", path: "/users/\(alice)/personal_access_tokens", token: admin,
                    form: "name=load&scopes[]=api")) ?? []
                results.withLock { $0 += codes }
            }
        }
        for writer in writers { writer.start() }
        while writers.contains(where: { !$0.isFinished }) { usleep(50_000) }
        let codes = results.withLock { $0 }
        #expect(codes.count == 300)
        #expect(codes.allSatisfy { $0 == 201 }, "\(Dictionary(grouping: codes, by: { $0 }).mapValues(\.count)) \(a.workerLogs.split(separator: "\n").filter { $0.contains("error") }.prefix(3)) \(b.workerLogs.split(separator: "\n").filter { $0.contains("error") }.prefix(3))")
        for host in [a, b] {
            let listed = try host.request("GET", "/personal_access_tokens?user_id=\(alice)&per_page=100", token: admin)
            #expect(listed.header("X-Total") == "300")
        }
        let check = try a.tokend(["store", "check"])
        #expect(check.contains("tokens 301\n"), "\(check)")
        let list = try a.tokend(["token", "list", "--user", "alice"])
        let idColumn = list.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").first ?? "" }
        #expect(Set(idColumn).count == 300)
        // Every create's audit event continues one chain, whichever host wrote it.
        let verify = try a.tokend(["audit", "verify"])
        #expect(verify.contains("ok: the chain is intact"), "\(verify)")
        let events = try a.request("GET", "/audit_events?entity_type=User&entity_id=\(alice)&per_page=1", token: admin)
        #expect(Int(events.header("X-Total") ?? "") ?? 0 >= 300, "\(events.body)")
    }

    /// kill -9 of host A's workers at random moments while it writes, 4 rounds: every token
    /// whose 201 reached the client works through host B, and the store checks clean.
    @Test func killNineOfAHostLosesNothingAcknowledged() throws {
        let (a, b) = try twoHosts(workers: 0)
        defer { a.stop(); b.stop() }
        try b.startWorker()
        let admin = try a.createToken(name: "admin")
        var acknowledged: [String] = []
        for round in 0..<4 {
            try a.spawnWorkers(processes: 2, threads: 2)
            let victim = a.workerPIDs.randomElement()!
            let killer = Thread {
                usleep(useconds_t.random(in: 20_000...300_000))
                kill(victim, SIGKILL)
            }
            killer.start()
            for i in 0..<30 {
                if let response = try? a.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=k\(round)-\(i)&scopes=api"),
                    response.status == 201, let token = response.json?["token"]?.stringValue
                {
                    acknowledged.append(token)
                }
            }
            usleep(200_000)
            a.stopSpawned()
            let check = try LiveServer.run(a.binary, ["store", "check"], environment: a.storeEnvironment)
            #expect(check.status == 0, "round \(round): \(check.stdout) \(check.stderr)")
        }
        var missing = 0
        for token in acknowledged where try b.request("GET", "/personal_access_tokens/self", token: token).status != 200 {
            missing += 1
        }
        #expect(acknowledged.count >= 40)
        #expect(missing == 0)
    }

    /// PostgreSQL stopped: both hosts answer 503 with Retry-After and a GitLab-shaped body, for
    /// reads and writes alike, and readiness fails its db_check; no worker exits. Started again:
    /// both serve again, with no restart.
    @Test func databaseDownGives503OnBothHostsAndBothRecover() throws {
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        try cluster.psql("CREATE DATABASE tokend")
        let (a, b) = try twoHosts(database: cluster.url(database: "tokend"))
        defer { a.stop(); b.stop() }
        let token = try a.createToken(name: "survivor")
        #expect(try b.request("GET", "/personal_access_tokens/self", token: token).status == 200)
        #expect(try a.request("GET", "//-/readiness").body.contains(#""db_check":[{"status":"ok"}]"#))

        cluster.stop()
        for host in [a, b] {
            let read = try host.request("GET", "/personal_access_tokens/self", token: token)
            #expect(read.status == 503)
            #expect(read.header("Retry-After") != nil)
            #expect(read.json?["message"]?.stringValue?.hasPrefix("503 Service Unavailable") == true, "\(read.body)")
            let write = try host.request("POST", "/users/1/personal_access_tokens", token: token, form: "name=x&scopes[]=api")
            #expect(write.status == 503)
            #expect(write.header("Retry-After") != nil)
            let ready = try host.request("GET", "//-/readiness")
            #expect(ready.status == 503)
            #expect(ready.body.contains(#""db_check":[{"status":"failed","message":"connect failed on 127.0.0.1:"#), "\(ready.body)")
            #expect(!read.body.contains("postgres://") && !host.workerLogs.contains(token))
        }

        try cluster.start()
        for host in [a, b] {
            #expect(LiveServer.eventually(seconds: 10) { (try? host.request("GET", "/personal_access_tokens/self", token: token).status) == 200 })
            let created = try host.request("POST", "/users/1/personal_access_tokens", token: token, form: "name=after&scopes[]=api")
            #expect(created.status == 201)
            #expect(try host.request("GET", "//-/readiness").status == 200)
        }
    }
}
