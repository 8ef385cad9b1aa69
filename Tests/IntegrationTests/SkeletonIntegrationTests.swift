import Foundation
import JSON
import Testing

/// The walking skeleton through a real nginx and a real worker: authentication, the self
/// endpoints, errors, headers, and the store holding no token in clear.
@Suite(.timeLimit(.minutes(20)))
struct SkeletonIntegrationTests {
    @Test func createdTokenAuthenticatesThroughNginx() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken(name: "cli", scopes: "api")
        #expect(token.range(of: #"^glpat-[A-Za-z0-9_-]{20,}$"#, options: .regularExpression) != nil)

        let response = try server.request("GET", "/personal_access_tokens/self", token: token)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.header("X-Content-Type-Options") == "nosniff")
        #expect(response.header("X-Frame-Options") == "SAMEORIGIN")
        let body = try #require(response.json)
        #expect(body["name"] == .string("cli"))
        #expect(body["user_id"] == .integer(1))
        #expect(body["scopes"] == .array([.string("api")]))
        #expect(body["active"] == .bool(true))
        #expect(body["revoked"] == .bool(false))
        #expect(body["last_used_at"]?.stringValue != nil)
        #expect(body["last_used_ips"] == .array([.string("127.0.0.1")]))
        #expect(body["token"] == nil)

        // The store holds digests only, and the audit files ids. Every file is read as bytes:
        // tokens.shm, the shared counters, is binary.
        let audit = try FileManager.default.contentsOfDirectory(atPath: server.data + "/audit").map { "audit/" + $0 }
        for file in try FileManager.default.contentsOfDirectory(atPath: server.data) + audit where file != "audit" {
            let contents = try Data(contentsOf: URL(fileURLWithPath: server.data + "/" + file))
            #expect(contents.range(of: Data(token.utf8)) == nil, "\(file) holds a token in clear")
        }
        #expect(!server.workerLogs.contains(token))
    }

    @Test func authenticationSources() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken()
        let other = try server.createToken(name: "other")
        #expect(try server.request("GET", "/user", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        #expect(try server.request("GET", "/user?private_token=\(token)").status == 200)
        #expect(try server.request("GET", "/user?access_token=\(token)").status == 200)
        #expect(try server.request("GET", "/user", headers: ["private-token": token]).status == 200)
        // PRIVATE-TOKEN wins over Bearer.
        let both = try server.request("GET", "/personal_access_tokens/self", token: other, headers: ["Authorization": "Bearer \(token)"])
        #expect(both.json?["name"] == .string("other"))
        // An underscore header never reaches the worker.
        #expect(try server.request("GET", "/user", headers: ["Private_Token": token]).status == 401)
    }

    @Test func unauthenticatedAndUnknownTokens() throws {
        let server = try LiveServer()
        defer { server.stop() }
        for response in [
            try server.request("GET", "/user"),
            try server.request("GET", "/personal_access_tokens/self", token: "glpat-unknownunknownunknown"),
        ] {
            #expect(response.status == 401)
            #expect(response.body == #"{"message":"401 Unauthorized"}"#)
            #expect(response.header("WWW-Authenticate") == nil)
        }
    }

    @Test func expiredRevokedAndScopeErrors() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let expired = try server.createToken(name: "old", expiresAt: "2020-01-01")
        let response = try server.request("GET", "/user", token: expired)
        #expect(response.status == 401)
        #expect(response.json?["error"] == .string("invalid_token"))
        #expect(response.json?["error_description"] == .string("Token is expired. You can either do re-authorization or token refresh."))
        #expect(response.header("WWW-Authenticate")?.hasPrefix(#"Bearer realm="Protected by OAuth 2.0", error="invalid_token""#) == true)

        let k8s = try server.createToken(name: "k8s", scopes: "k8s_proxy")
        let forbidden = try server.request("GET", "/user", token: k8s)
        #expect(forbidden.status == 403)
        #expect(forbidden.json?["error"] == .string("insufficient_scope"))
        #expect(forbidden.json?["scope"] == .string("read_user api read_api"))
        // …but the self endpoint accepts every scope.
        #expect(try server.request("GET", "/personal_access_tokens/self", token: k8s).status == 200)

        let token = try server.createToken(name: "gone")
        let revoke = try server.request("DELETE", "/personal_access_tokens/self", token: token)
        #expect(revoke.status == 204)
        #expect(revoke.body.isEmpty)
        let after = try server.request("GET", "/personal_access_tokens/self", token: token)
        #expect(after.status == 401)
        #expect(after.json?["error_description"] == .string("Token was revoked. You have to re-authorize from the user."))
    }

    @Test func routingErrorsAndBodies() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken()
        let unknown = try server.request("GET", "/no/such/route", token: token)
        #expect(unknown.status == 404)
        #expect(unknown.body == #"{"error":"404 Not Found"}"#)
        let wrongMethod = try server.request("PUT", "/personal_access_tokens/self", token: token)
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.body == #"{"error":"405 Not Allowed"}"#)
        #expect(wrongMethod.header("Allow")?.contains("GET") == true)
        let malformed = try server.request("DELETE", "/personal_access_tokens/self", token: token, rawBody: "{nope", contentType: "application/json")
        #expect(malformed.status == 400)
        #expect(malformed.json?["error"] != nil)
        let huge = String(repeating: "a", count: 2 << 20)
        let tooLarge = try server.request("POST", "/user", token: token, rawBody: huge, contentType: "text/plain")
        #expect(tooLarge.status == 413)
        #expect(tooLarge.body.contains("413"))
        #expect(tooLarge.json != nil)
        let head = try server.request("HEAD", "/personal_access_tokens/self", token: token)
        #expect(head.status == 200)
    }

    @Test func versionAndCurrentUser() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken(scopes: "read_user")
        let version = try server.request("GET", "/version", token: token)
        #expect(version.status == 200)
        #expect(version.json?["version"]?.stringValue?.hasPrefix("18.") == true)
        #expect(version.json?["kas"]?["enabled"] == .bool(false))
        #expect(try server.request("GET", "/metadata", token: token).status == 200)
        #expect(try server.request("GET", "/version").status == 401)
        let user = try server.request("GET", "/user", token: token)
        #expect(user.json?["username"] == .string("root"))
        #expect(user.json?["is_admin"] == .bool(true))
        #expect(user.json?["web_url"] == .string("http://127.0.0.1:\(server.port)/root"))
    }

    @Test func lastUsedIsThrottledAndWritesNothingWhenUnchanged() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken()
        let first = try server.request("GET", "/personal_access_tokens/self", token: token)
        let journal = server.data + "/tokens.journal.1.jsonl"
        let size = try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int
        let second = try server.request("GET", "/personal_access_tokens/self", token: token)
        #expect(first.json?["last_used_at"] == second.json?["last_used_at"])
        #expect(try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int == size)
    }

    @Test func twoWorkerProcessesShareOneStore() throws {
        let server = try LiveServer(workers: 1)
        defer { server.stop() }
        let second = server.directory + "/second.sock"
        try server.startWorker(socketPath: second)
        let token = try server.createToken()
        // Revoke through the second worker directly (cgi-fcgi), then read through nginx (first worker).
        let result = try LiveServer.fastCGI(socket: second, method: "DELETE", uri: "/api/v4/personal_access_tokens/self", token: token)
        #expect(result.hasPrefix("Status: 204"))
        let after = try server.request("GET", "/personal_access_tokens/self", token: token)
        #expect(after.status == 401)
        #expect(after.json?["error_description"] == .string("Token was revoked. You have to re-authorize from the user."))
    }

    @Test func sigtermStopsTheWorkerCleanly() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken()
        #expect(try server.request("GET", "/user", token: token).status == 200)
        #expect(server.stopWorkers() == [0])
    }

    @Test func plainCGIMode() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken()
        let result = try LiveServer.run(
            server.binary, [],
            environment: [
                "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
                "REQUEST_URI": "/api/v4/personal_access_tokens/self", "HTTP_PRIVATE_TOKEN": token,
                "REMOTE_ADDR": "127.0.0.1", "TOKEND_DATA": server.data,
            ])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("Status: 200 OK\r\n"))
        #expect(result.stdout.contains("\"name\":\"test\""))
    }

    @Test func healthChecksAndRequestLogs() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let health = try server.request("GET", "//-/health")
        #expect(health.status == 200)
        #expect(health.body == "GitLab OK")
        #expect(try server.request("GET", "//-/liveness").json?["status"] == .string("ok"))
        #expect(try server.request("GET", "//-/readiness").json?["status"] == .string("ok"))
        #expect(try server.request("GET", "//-/nope").status == 404)
        let metrics = try server.request("GET", "//-/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"tokend_http_requests_total{method="GET",route="/-/health",status="200"} 1"#))
        #expect(metrics.body.contains("tokend_store_generation 1\n"))
        #expect(metrics.body.contains("tokend_store_users 1\n"))

        let token = try server.createToken()
        let response = try server.request("GET", "/personal_access_tokens/self?private_token=\(token)")
        #expect(response.status == 200)
        #expect(response.header("X-Request-Id")?.count == 16)
        LiveServer.eventually { server.workerLogs.contains("\"route\":\"/personal_access_tokens/self\"") }
        let lines = server.workerLogs.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        let requestLine = lines.last { $0["message"] == .string("request") && $0["route"] == .string("/personal_access_tokens/self") }
        #expect(requestLine?["status"] == .integer(200))
        #expect(requestLine?["user_id"] == .integer(1))
        #expect(requestLine?["request_id"]?.stringValue == response.header("X-Request-Id"))
        #expect(!server.workerLogs.contains(token))
    }
}
