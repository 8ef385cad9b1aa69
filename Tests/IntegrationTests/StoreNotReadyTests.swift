import Foundation
import JSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A store that is not there yet (issue 28, section 2). After a power cut, hosts boot in any
/// order: a worker that starts before PostgreSQL, or on a data directory it cannot read yet,
/// listens and answers 503 with `Retry-After` and GitLab's body, with readiness saying why,
/// then serves once the store opens, without a restart. One CGI request that cannot reach its
/// store writes a complete 503 response on either backend.
@Suite(.timeLimit(.minutes(20)))
struct StoreNotReadyTests {
    /// What a worker answers while its store cannot be opened: tokend's own 503 (not nginx's,
    /// which has no `Retry-After`), readiness failed with the reason, liveness up, the gate
    /// closed, a page a 503 page.
    static func expectWaiting(_ server: LiveServer, token: String, reason: String, secret: String? = nil) throws {
        let refused = try server.request("GET", "/personal_access_tokens/self", token: token)
        #expect(refused.status == 503, "\(refused.body)")
        #expect(refused.header("Retry-After") == "5")
        #expect(refused.header("X-Request-Id") != nil, "answered by tokend, not by nginx")
        #expect(refused.json?["message"] == .string("503 Service Unavailable - the store cannot be reached, retry shortly"))
        let write = try server.request("POST", "/user/personal_access_tokens", token: token, form: "name=x&scopes%5B%5D=api")
        #expect(write.status == 503 && write.header("Retry-After") == "5")

        let readiness = try server.request("GET", "//-/readiness")
        #expect(readiness.status == 503)
        #expect(readiness.json?["status"] == .string("failed"))
        let message = readiness.json?["store_check"]?.arrayValue?.first?["message"]?.stringValue ?? ""
        #expect(message.contains(reason), "\(readiness.body)")
        if let secret { #expect(!readiness.body.contains(secret), "the password leaked into readiness") }
        let liveness = try server.request("GET", "//-/liveness")
        #expect(liveness.status == 200 && liveness.json?["status"] == .string("ok"))

        let gate = try server.request("GET", "//-/auth", token: token)
        #expect(gate.status == 503 || gate.status == 401, "the gate fails closed: \(gate.status)")
        // A page that must look up the person's session.
        let page = try server.request(
            "GET", "//-/user_settings/personal_access_tokens", headers: ["Cookie": "_tokend_session=\(String(repeating: "a", count: 43))"])
        #expect(page.status == 503, "a page: \(page.status)")
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
    }

    /// Polls until the worker serves `token` (the store opens on the worker's next attempt,
    /// at most 5 s apart).
    static func expectServing(_ server: LiveServer, token: String) throws {
        let served = try LiveServer.eventually(seconds: 60) {
            try server.request("GET", "/personal_access_tokens/self", token: token).status == 200
        }
        #expect(served, "the worker did not serve after the store came back: \(server.workerLogs)")
        let readiness = try server.request("GET", "//-/readiness")
        #expect(readiness.status == 200 && readiness.json?["status"] == .string("ok"), "\(readiness.body)")
    }

    @Test func workerStartedBeforePostgreSQLServesOnceItIsUp() throws {
        if let reason = PostgresCluster.unavailable { try Test.cancel("skipped: \(reason)") }
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        try cluster.psql("CREATE DATABASE tokend")
        // trust authentication ignores the password: it is here to prove it never shows.
        let password = "not-a-real-password-\(UInt32.random(in: 0...UInt32.max))"
        let url = "postgres://postgres:\(password)@127.0.0.1:\(cluster.port)/tokend"
        let server = try LiveServer(workers: 0, initialize: false, backend: .postgres, databaseURL: url)
        defer { server.stop() }
        try server.tokend(["init", "--data", server.data])
        let token = try server.createToken(name: "before-the-power-cut")
        cluster.stop()

        try server.startWorker()
        let worker = try #require(server.workerPIDs.first)
        try Self.expectWaiting(server, token: token, reason: "cannot reach the database", secret: password)
        #expect(!server.workerLogs.contains(password))

        try cluster.start()
        try Self.expectServing(server, token: token)
        #expect(server.workerPIDs == [worker] && kill(worker, 0) == 0, "served without a restart")
        let created = try server.request("POST", "/users/1/personal_access_tokens", token: token, form: "name=after&scopes%5B%5D=api")
        #expect(created.status == 201, "\(created.body)")
    }

    /// The JSON store's data directory unreadable by the worker's user: 503 until an operator
    /// fixes the modes, readiness naming the directory, then served without a restart. Root
    /// bypasses modes, but tokend run by root becomes the directory's owner first, so the test
    /// gives the directory to `nobody`.
    @Test func workerOnAnUnreadableDataDirectoryServesOnceItIsFixed() throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let token = try server.createToken(name: "unreadable")
        try Self.makeUnreadable(server)
        // The worker (as nobody, when run by root) creates its socket beside the data directory.
        chmod(server.directory, 0o777)

        try server.startWorker()
        try Self.expectWaiting(server, token: token, reason: "cannot open the data directory")

        #expect(chmod(server.data, 0o700) == 0)
        try Self.expectServing(server, token: token)
    }

    @Test(arguments: Backend.allCases)
    func cgiRequestWithoutItsStoreGetsACompleteAnswer(backend: Backend) throws {
        var environment = [
            "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v4/personal_access_tokens/self",
            "HTTP_PRIVATE_TOKEN": "glpat-notatokennotatoken1", "REMOTE_ADDR": "127.0.0.1",
        ]
        let server = try LiveServer(workers: 0, initialize: backend == .json)
        defer { server.stop() }
        var cluster: PostgresCluster?
        defer { cluster?.remove() }
        switch backend {
        case .json:
            try Self.makeUnreadable(server)
            environment["TOKEND_DATA"] = server.data
        case .postgres:
            if let reason = PostgresCluster.unavailable { try Test.cancel("skipped on PostgreSQL: \(reason)") }
            let own = try PostgresCluster()
            cluster = own
            try own.psql("CREATE DATABASE tokend")
            environment["TOKEND_STORE"] = own.url(database: "tokend")
            #expect(try LiveServer.run(server.binary, ["init", "--data", server.data], environment: environment.filter { $0.key == "TOKEND_STORE" }).status == 0)
            own.stop()
        }
        let result = try LiveServer.run(server.binary, [], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let (head, body) = Self.split(result.stdout)
        #expect(head.first == "Status: 503 Service Unavailable", "\(result.stdout)")
        #expect(head.contains("Retry-After: 5"))
        #expect(head.contains("Content-Type: application/json"))
        #expect((try? JSONParser.parse(body))?["message"] == .string("503 Service Unavailable - the store cannot be reached, retry shortly"))
        #expect(result.stderr.contains(backend == .json ? "cannot open the data directory" : "cannot reach the database"), "\(result.stderr)")
    }

    /// A CGI response's head lines and body.
    static func split(_ output: String) -> (head: [String], body: String) {
        guard let end = output.range(of: "\r\n\r\n") else { return ([], "") }
        return (output[..<end.lowerBound].components(separatedBy: "\r\n"), String(output[end.upperBound...]))
    }

    /// Makes the data directory unreadable by the user tokend will run as: mode 000, and, under
    /// root, owned by `nobody` (tokend run by root becomes the directory's owner).
    static func makeUnreadable(_ server: LiveServer) throws {
        if getuid() == 0 {
            #expect(try LiveServer.run("/bin/chown", ["-R", "nobody:nogroup", server.data]).status == 0)
        }
        #expect(chmod(server.data, 0) == 0)
    }
}
