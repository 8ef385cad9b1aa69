import JSON
import Testing
import TokenAPI
import TokenCore
import TokendTesting

/// What every kind of route answers from a store that is not open yet (a worker started before
/// PostgreSQL, a data directory it cannot read): the API 503 with `Retry-After` and GitLab's
/// body, readiness failed with the reason, liveness up, the gate closed, a page a 503 page.
struct UnreachableStoreTests {
    static let reason = RepositoryError(.unavailable, "cannot reach the database: connect failed on 127.0.0.1:5432/tokend (Connection refused)")

    let client = TestClient(wrap: { _ in UnreachableStore(UnreachableStoreTests.reason, readinessChecks: ["store_check", "db_check"]) })

    @Test func theAPIAnswers503WithRetryAfter() {
        for (method, path) in [("GET", "/personal_access_tokens/self"), ("POST", "/user/personal_access_tokens"), ("GET", "/version")] {
            let response = client.request(method, path, token: "glpat-notatokennotatoken1", form: method == "POST" ? "name=a&scopes[]=api" : nil)
            #expect(response.status == 503, "\(method) \(path)")
            #expect(response.header("Retry-After") == "5")
            #expect(response.json?["message"] == .string("503 Service Unavailable - the store cannot be reached, retry shortly"))
            #expect(!response.body.contains("127.0.0.1"), "the reason is for readiness and the log, not for clients")
        }
    }

    @Test func readinessSaysWhyAndLivenessStaysUp() {
        let readiness = client.request("GET", "//-/readiness")
        #expect(readiness.status == 503)
        #expect(readiness.json?["status"] == .string("failed"))
        for check in ["store_check", "db_check"] {
            let result = readiness.json?[check]?.arrayValue?.first
            #expect(result?["status"] == .string("failed"))
            #expect(result?["message"] == .string(Self.reason.message))
        }
        #expect(readiness.json?["master_check"]?.arrayValue?.first?["message"] == nil)
        let liveness = client.request("GET", "//-/liveness")
        #expect(liveness.status == 200 && liveness.json?["status"] == .string("ok"))
    }

    @Test func theGateFailsClosed() {
        #expect(client.request("GET", "//-/auth", token: "glpat-notatokennotatoken1").status == 503)
        let basic = client.request("GET", "//-/auth", headers: ["Authorization": "Basic cm9vdDpnbHBhdC1ub3RhdG9rZW5ub3RhdG9rZW4x"])
        #expect(basic.status == 503 || basic.status == 401, "\(basic.status)")
        #expect(basic.status != 204)
    }

    @Test func aPageThatNeedsTheStoreIsA503Page() {
        let page = client.request(
            "GET", "//-/user_settings/personal_access_tokens", headers: ["Cookie": "_tokend_session=" + String(repeating: "a", count: 43)])
        #expect(page.status == 503)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
    }
}
