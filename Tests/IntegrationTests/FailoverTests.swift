import Foundation
import JSON
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PostgreSQL failover (issue #28, section 1): a primary with a synchronous standby, two tokend
/// hosts (each its own nginx and worker) given both servers, kill -9 of the primary under
/// writes, `pg_ctl promote` of the standby. Host A has the multi-host URL, host B libpq's
/// keyword/value form. Every wait bounded; every process stopped by PID.
@Suite(
    .timeLimit(.minutes(20)), .serialized,
    .enabled(if: PostgresCluster.unavailable == nil, "PostgreSQL is not installed (scripts/deps test installs it)"))
struct FailoverTests {
    /// What one create through nginx answered.
    struct Outcome: Sendable {
        var host: Int
        var status: Int
        var token: String?
        var id: Int?
        var retryAfter: String?
        var message: String?
        /// When the answer arrived.
        var at: ContinuousClock.Instant
    }

    /// The documented bound (README, "Failover"): once the standby accepts writes, a worker
    /// serves at its next request; a request already waiting gives up within connect_timeout
    /// (3 s) per listed host plus the 5 s answer bound, 11 s with two hosts. The test allows
    /// 30 s, for a machine loaded by the whole suite; the measured gap is printed.
    static let servedAgainWithin: Duration = .seconds(30)

    @Test func killNineOfThePrimaryAndPromoteTheSynchronousStandbyLosesNothingAcknowledged() throws {
        let (primary, standby, url) = try Self.synchronousPair()
        defer { primary.remove(); standby.remove() }
        // A password (which trust authentication never asks for) that no log may show.
        let secret = "s3cret-\(UInt64.random(in: 0...UInt64.max))"
        let keywords = "host=127.0.0.1,127.0.0.1 port=\(primary.port),\(standby.port) dbname=tokend user=postgres password='\(secret)' target_session_attrs=read-write"
        let a = try LiveServer(workers: 1, threads: 4, backend: .postgres, databaseURL: url)
        defer { a.stop() }
        let b = try LiveServer(workers: 1, threads: 4, backend: .postgres, databaseURL: keywords)
        defer { b.stop() }
        let admin = try a.createToken(name: "admin", scopes: "api")
        let hosts = [a, b]

        // Two writers per host, each one create at a time, until told to stop (at most 1,500 each).
        let outcomes = Mutex<[Outcome]>([])
        let stop = Atomic<Bool>(false)
        let writers = (0..<4).map { writer in
            Thread {
                let host = writer % 2
                for i in 0..<1_500 where !stop.load(ordering: .relaxed) {
                    let response = try? hosts[host].request(
                        "POST", "/users/1/personal_access_tokens", token: admin, form: "name=f\(writer)-\(i)&scopes[]=api")
                    let outcome = Outcome(
                        host: host, status: response?.status ?? -1, token: response?.json?["token"]?.stringValue,
                        id: response?.json?["id"]?.intValue, retryAfter: response?.header("Retry-After"),
                        message: response?.json?["message"]?.stringValue, at: .now)
                    outcomes.withLock { $0.append(outcome) }
                    if outcome.status != 201 { usleep(50_000) }
                }
            }
        }
        for writer in writers { writer.start() }
        defer {
            stop.store(true, ordering: .relaxed)
            // Each request is bounded by curl's 20 s.
            for _ in 0..<1_500 where writers.contains(where: { !$0.isFinished }) { usleep(20_000) }
        }
        func count(_ include: (Outcome) -> Bool) -> Int { outcomes.withLock { $0.filter(include).count } }
        func waitFor(_ what: String, seconds: Int, _ condition: () -> Bool) throws {
            for _ in 0..<(seconds * 20) {
                if condition() { return }
                usleep(50_000)
            }
            throw HarnessError("\(what) did not happen within \(seconds) s: \(Self.summary(outcomes.withLock { $0 }))")
        }

        try waitFor("40 acknowledged creates before the kill", seconds: 120) { count { $0.status == 201 } >= 40 }
        primary.killHard()
        let killed = ContinuousClock.now
        try waitFor("8 answers after the kill", seconds: 120) { count { $0.at > killed } >= 8 }
        try standby.promote()
        let promoted = ContinuousClock.now
        try waitFor("40 creates acknowledged after the promotion, through each host", seconds: 180) {
            (0..<2).allSatisfy { host in count { $0.host == host && $0.status == 201 && $0.at > promoted } >= 20 }
        }
        stop.store(true, ordering: .relaxed)
        for _ in 0..<1_500 where writers.contains(where: { !$0.isFinished }) { usleep(20_000) }
        let finished = writers.allSatisfy { $0.isFinished }
        #expect(finished, "a writer still waits after 30 s")

        let all = outcomes.withLock { $0 }
        let firstBack = all.filter { $0.status == 201 && $0.at > promoted }.map(\.at).min()
        if let firstBack {
            print("failover: served again \(firstBack - promoted) after the promotion, \(firstBack - killed) after the kill; \(Self.summary(all))")
            #expect(firstBack - promoted <= Self.servedAgainWithin)
        }

        // In the gap: 503 with Retry-After and GitLab's body, never a 500, never a hang.
        let refused = all.filter { $0.status != 201 }
        #expect(refused.allSatisfy { $0.status == 503 }, "\(Self.summary(all)) \(a.workerLogs.suffix(2_000)) \(b.workerLogs.suffix(2_000))")
        #expect(refused.allSatisfy { $0.retryAfter.map { Int($0) != nil } == true }, "a 503 without Retry-After")
        #expect(refused.allSatisfy { $0.message?.hasPrefix("503 Service Unavailable") == true }, "\(Set(refused.compactMap(\.message)))")
        #expect(all.contains { $0.status == 503 && $0.at > killed && $0.at < promoted }, "no request fell in the gap")

        #expect(!b.workerLogs.contains(secret) && !a.workerLogs.contains(secret), "a password in the log")
        #expect(b.workerLogs.contains("127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/tokend"), "errors name host:port/db")

        // Every acknowledged token is on the promoted server and authenticates, through either host.
        let acknowledged = all.filter { $0.status == 201 }
        #expect(acknowledged.allSatisfy { $0.token != nil && $0.id != nil })
        var missing: [Int] = []
        for (index, outcome) in acknowledged.enumerated() {
            guard let token = outcome.token else { continue }
            let seen = try hosts[index % 2].request("GET", "/personal_access_tokens/self", token: token)
            if seen.status != 200 || seen.json?["id"]?.intValue != outcome.id { missing.append(outcome.id ?? -1) }
        }
        #expect(missing.isEmpty, "acknowledged but gone after the failover: \(missing)")
        #expect(Set(acknowledged.compactMap(\.id)).count == acknowledged.count, "an id acknowledged twice")

        // The change log and the audit chain continue without a gap on the promoted database.
        let promotedOnly = ["TOKEND_STORE": standby.url(database: "tokend")]
        let check = try a.tokend(["store", "check"], environment: promotedOnly)
        let tokens = check.split(separator: "\n").first { $0.hasPrefix("tokens ") }.flatMap { Int($0.dropFirst(7)) } ?? -1
        // The admin's, every acknowledged create, and at most one per refused request whose
        // commit reached the standby before the primary died (its client heard 503).
        #expect(tokens >= acknowledged.count + 1 && tokens <= acknowledged.count + 1 + refused.count, "\(check)")
        let verify = try a.tokend(["audit", "verify"], environment: promotedOnly)
        #expect(verify.contains("ok: the chain is intact"), "\(verify)")
    }

    /// A commit whose outcome tokend cannot know: the synchronous standby is stopped, so the
    /// primary's commit waits for it; tokend gives up after its 5 s answer bound and drops the
    /// connection. The client hears 503 with Retry-After, not 201, and tokend does not send the
    /// write again: once the standby is back, the commit completes on its own, and the token
    /// exists once (an unused token, listed and revocable), not twice. Before that, a worker
    /// given the standby alone hears "read-only" and answers 503 with Retry-After too.
    @Test func aWriteWhoseCommitOutcomeIsUnknownIsNeitherAcknowledgedNorRepeated() throws {
        let (primary, standby, url) = try Self.synchronousPair()
        defer { primary.remove(); standby.remove() }
        let host = try LiveServer(workers: 1, threads: 2, backend: .postgres, databaseURL: url)
        defer { host.stop() }
        let admin = try host.createToken(name: "admin", scopes: "api")
        #expect(try host.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=before&scopes[]=api").status == 201)

        // A worker given the standby alone (no target_session_attrs): the server refuses writes
        // as read-only (25006), which is 503 with Retry-After like the rest of a failover.
        let readOnly = try LiveServer(workers: 1, initialize: false, backend: .postgres, databaseURL: standby.url(database: "tokend"))
        defer { readOnly.stop() }
        let refused = try readOnly.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=standby&scopes[]=api")
        #expect(refused.status == 503 && refused.header("Retry-After") != nil, "\(refused.status) \(refused.body)")
        readOnly.stop()

        standby.stop()
        let unknown = try host.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=unknown&scopes[]=api")
        #expect(unknown.status == 503, "\(unknown.status) \(unknown.body)")
        #expect(unknown.header("Retry-After") != nil)
        #expect(unknown.json?["token"] == nil, "no token in a refusal")

        try standby.start()
        var after: LiveServer.Response?
        for _ in 0..<120 {
            after = try? host.request("POST", "/users/1/personal_access_tokens", token: admin, form: "name=after&scopes[]=api")
            if after?.status == 201 { break }
            usleep(500_000)
        }
        #expect(after?.status == 201, "no write accepted within 60 s of the standby's return")
        let listed = try host.request("GET", "/personal_access_tokens?search=unknown&per_page=100", token: admin)
        #expect(listed.json?.arrayValue?.count == 1, "the unknown write, exactly once: \(listed.body)")
        let check = try host.tokend(["store", "check"])
        #expect(check.contains("tokens 4\n"), "admin, before, unknown, after (none through the standby): \(check)")
        #expect(try host.tokend(["audit", "verify"]).contains("ok: the chain is intact"))
    }

    /// A primary with a database `tokend`, its synchronous standby, and the multi-host URL of
    /// both that tokend is given (libpq picks the one that accepts writes).
    static func synchronousPair() throws -> (primary: PostgresCluster, standby: PostgresCluster, url: String) {
        let primary = try PostgresCluster()
        do {
            try primary.psql("CREATE DATABASE tokend")
            let standby = try PostgresCluster(standbyOf: primary)
            do {
                try primary.requireSynchronousStandby()
            } catch {
                standby.remove()
                throw error
            }
            let url = "postgres://postgres@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/tokend?target_session_attrs=read-write"
            return (primary, standby, url)
        } catch {
            primary.remove()
            throw error
        }
    }

    /// Statuses by count, for messages.
    static func summary(_ outcomes: [Outcome]) -> String {
        "\(outcomes.count) answers: \(Dictionary(grouping: outcomes, by: \.status).mapValues(\.count).sorted { $0.key < $1.key })"
    }
}
