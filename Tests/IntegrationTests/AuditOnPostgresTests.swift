import Foundation
import JSON
import Testing
import TokendTesting

/// The audit log, hooks and expiry notices on the PostgreSQL store, through nginx and real
/// workers: the audit scenarios read their events back through GitLab's API from
/// `tokend.audit_events`; hooks and events survive a worker loading the tables afresh; `tokend
/// store check` finds the tables and the change log in agreement; `tokend audit verify` checks
/// the rows' chain as it checks the JSON store's files.
@Suite(
    .timeLimit(.minutes(20)),
    .disabled(if: PostgresCluster.unavailable != nil, "\(PostgresCluster.unavailable ?? "")"))
struct AuditOnPostgresTests {
    @Test func everyEventTypeWithItsActor() throws {
        let server = try LiveServer(backend: .postgres)
        defer { server.stop() }
        try AuditScenarios.everyEventTypeWithItsActor(server)
        try server.tokend(["store", "check"])
    }

    @Test func resourceEventsFollowGitLabsAccess() throws {
        let server = try LiveServer(backend: .postgres)
        defer { server.stop() }
        try AuditScenarios.resourceEventsFollowGitLabsAccess(server)
    }

    @Test func hooksNoticesAndEventsSurviveAFreshLoad() throws {
        let server = try LiveServer(backend: .postgres)
        defer { server.stop() }
        let admin = try server.createToken(name: "admin")
        let project = try #require(try server.request("POST", "/projects", token: admin, form: "name=Hooked").json?["id"]?.intValue)
        let hook = try server.request(
            "POST", "/projects/\(project)/hooks", token: admin,
            form: "url=https://hooks.example.com/x&token=hooksecret&resource_access_token_events=true")
        #expect(hook.status == 201, "\(hook.body)")
        let expiry = Self.day(5)
        let bot = try server.request(
            "POST", "/projects/\(project)/access_tokens", token: admin, form: "name=ci&scopes[]=api&expires_at=\(expiry)")
        #expect(bot.status == 201, "\(bot.body)")
        // The notifier records each attempt as a notice (this receiver does not resolve here:
        // a failed attempt, to be retried).
        let url = try #require(server.databaseURL)
        let notified = try LiveServer.run(server.binary, ["notify", "--store", url])
        #expect(notified.stdout.contains("\"result\":\"retrying\""), "\(notified.stdout) \(notified.stderr)")
        // A second run (a new process: it loads the tables) finds the notice and waits for its retry.
        let again = try LiveServer.run(server.binary, ["notify", "--dry-run", "--store", url])
        #expect(again.status == 0 && !again.stdout.contains("\"hook_id\""), "\(again.stdout) \(again.stderr)")
        let cluster = try PostgresCluster.shared()
        let database = String(url.split(separator: "/").last!.split(separator: "?").first!)
        func count(_ table: String, _ condition: String = "true") throws -> String {
            try cluster.psql("SELECT count(*) FROM tokend.\(table) WHERE \(condition)", database: database)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try count("hooks") == "1")
        #expect(try count("expiry_notices") != "0", "the notifier's attempt is a row")
        #expect(try count("audit_events") != "0")
        #expect(try count("audit_events", "line LIKE '%glpat-%' OR line LIKE '%hooksecret%'") == "0", "no token in a row")

        let hooksBefore = try server.request("GET", "/projects/\(project)/hooks", token: admin)
        let eventsBefore = try server.request("GET", "/audit_events", token: admin)
        #expect(hooksBefore.status == 200 && eventsBefore.status == 200, "\(eventsBefore.body)")
        let total = try #require(eventsBefore.header("X-Total").flatMap(Int.init))
        #expect(total >= 4, "user, project, hook and token events: \(eventsBefore.body)")

        // A new worker loads the tables, not the log.
        server.stopWorkers()
        try server.startWorker()
        let hooksAfter = try server.request("GET", "/projects/\(project)/hooks", token: admin)
        #expect(hooksAfter.body == hooksBefore.body)
        let eventsAfter = try server.request("GET", "/audit_events", token: admin)
        #expect(eventsAfter.header("X-Total").flatMap(Int.init) ?? 0 >= total)
        let first = try #require(eventsBefore.json?.arrayValue?.first?["id"]?.intValue)
        #expect(try server.request("GET", "/audit_events/\(first)", token: admin).status == 200)
        #expect(try server.request("GET", "/audit_events/999999", token: admin).status == 404)

        let check = try server.tokend(["store", "check"])
        #expect(!check.contains("problem"), "\(check)")
        let verify = try LiveServer.run(server.binary, ["audit", "verify", "--store", url])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("ok: the chain is intact"))
    }

    /// Each tampering of the rows is named by the row's seq; the intact chain passes, and it
    /// continues across workers on two "hosts" writing in turns.
    @Test(arguments: ["edit", "delete", "reorder"])
    func tamperingWithTheRowsIsCaught(_ kind: String) throws {
        let server = try LiveServer(backend: .postgres)
        defer { server.stop() }
        let url = try #require(server.databaseURL)
        let admin = try server.createToken(name: "admin")
        let other = try LiveServer(backend: .postgres, databaseURL: url)
        defer { other.stop() }
        for (index, name) in ["ann", "ben", "cat", "dan"].enumerated() {
            let host = index % 2 == 0 ? server : other
            #expect(try host.request("POST", "/users", token: admin, form: "username=\(name)&name=\(name)&email=\(name)@example.com").status == 201)
        }
        let intact = try LiveServer.run(server.binary, ["audit", "verify", "--store", url])
        #expect(intact.status == 0, "\(intact.stdout) \(intact.stderr)")
        let cluster = try PostgresCluster.shared()
        let database = String(url.split(separator: "/").last!.split(separator: "?").first!)
        switch kind {
        case "edit":
            _ = try cluster.psql(
                #"UPDATE tokend.audit_events SET line = replace(line, '"details":"ben"', '"details":"eve"') WHERE line LIKE '%"details":"ben"%'"#, database: database)
        case "delete":
            _ = try cluster.psql("DELETE FROM tokend.audit_events WHERE id = 3", database: database)
        default:
            _ = try cluster.psql(
                "UPDATE tokend.audit_events SET id = -id WHERE id IN (3, 4); UPDATE tokend.audit_events SET id = CASE id WHEN -3 THEN 4 ELSE 3 END WHERE id < 0",
                database: database)
        }
        let broken = try LiveServer.run(server.binary, ["audit", "verify", "--store", url])
        #expect(broken.status == 1, "\(broken.stdout) \(broken.stderr)")
        #expect(broken.stdout.contains("BROKEN at tokend.audit_events seq"), "\(broken.stdout)")
    }

    /// Rows deleted from the end leave a chain that is whole in itself; the head that the
    /// witness recorded outside the database catches it (`audit verify --head`).
    @Test func aWitnessedHeadCatchesRowsDeletedFromTheEnd() throws {
        let witness = try LiveServer.makeTemporaryDirectory() + "/witness.log"
        let server = try LiveServer(environment: ["TOKEND_AUDIT_WITNESS": "file:" + witness], backend: .postgres)
        defer { server.stop() }
        let url = try #require(server.databaseURL)
        let admin = try server.createToken(name: "admin")
        for name in ["ann", "ben", "cat"] {
            #expect(try server.request("POST", "/users", token: admin, form: "username=\(name)&name=\(name)&email=\(name)@example.com").status == 201)
        }
        let recorded = try String(contentsOfFile: witness, encoding: .utf8).split(separator: "\n")
        let head = String(try #require(recorded.last?.split(separator: " ").last))
        let seq = try #require(Int(head.prefix { $0 != ":" }))
        #expect(seq >= 3, "\(recorded)")
        #expect(!recorded.joined().contains("glpat-") && !recorded.joined().contains("ann"), "seq and MAC only")
        let intact = try LiveServer.run(server.binary, ["audit", "verify", "--store", url, "--head", head])
        #expect(intact.status == 0, "\(intact.stdout) \(intact.stderr)")
        let cluster = try PostgresCluster.shared()
        let database = String(url.split(separator: "/").last!.split(separator: "?").first!)
        _ = try cluster.psql("DELETE FROM tokend.audit_events WHERE id > \(seq - 2)", database: database)
        let rowsAlone = try LiveServer.run(server.binary, ["audit", "verify", "--store", url])
        #expect(rowsAlone.status == 0, "the rows alone are a whole chain: \(rowsAlone.stdout)")
        let broken = try LiveServer.run(server.binary, ["audit", "verify", "--store", url, "--head", head])
        #expect(broken.status == 1, "\(broken.stdout) \(broken.stderr)")
        #expect(broken.stdout.contains("recorded head"), "\(broken.stdout)")
    }

    static func day(_ offset: Int) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
    }
}
