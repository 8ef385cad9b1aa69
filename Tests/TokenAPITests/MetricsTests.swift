@testable import TokenAPI
import HTTPTypes
import Testing
import TokenCore
import TokendTesting

/// `/-/metrics`: Prometheus text of this process's requests, for loopback and the allow-list only.
struct MetricsTests {
    func metrics(_ client: TestClient, from address: String = "127.0.0.1") -> TestResponse {
        client.request("GET", "//-/metrics", from: address)
    }

    @Test func countsRequestsByRouteTemplateAndStatus() throws {
        let client = TestClient()
        let root = try client.repository.read { $0.user(UserID(1))! }
        let token = try client.createToken(for: root)
        for _ in 0..<3 { _ = client.request("GET", "/personal_access_tokens/self", token: token) }
        _ = client.request("GET", "/personal_access_tokens/77", token: token)
        _ = client.request("GET", "/personal_access_tokens/self")
        _ = client.request("GET", "/no/such/route")
        let response = metrics(client)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4")
        let text = response.body
        #expect(text.contains(#"tokend_http_requests_total{method="GET",route="/personal_access_tokens/self",status="200"} 3"#))
        #expect(text.contains(#"tokend_http_requests_total{method="GET",route="/personal_access_tokens/self",status="401"} 1"#))
        #expect(text.contains(#"tokend_http_requests_total{method="GET",route="/personal_access_tokens/:id",status="404"} 1"#))
        #expect(text.contains(#"tokend_http_requests_total{method="GET",route="-",status="404"} 1"#))
        #expect(text.contains(#"tokend_http_request_duration_seconds_count{method="GET",route="/personal_access_tokens/self"} 4"#))
        #expect(text.contains(#"tokend_http_request_duration_seconds_bucket{method="GET",route="/personal_access_tokens/self",le="+Inf"} 4"#))
        #expect(text.contains("tokend_store_write_failures_total 0"))
        // No token, no query string, no raw path ever becomes a label.
        #expect(!text.contains("glpat-"))
        #expect(!text.contains("/77"))
    }

    @Test func answersOnlyLoopbackAndTheAllowList() {
        let client = TestClient()
        #expect(metrics(client, from: "10.0.0.5").status == 404)
        var dependencies = client.application.dependencies
        dependencies.monitoringAllowList = ["10.0.0."]
        let allowed = Application(dependencies: dependencies)
        let response = allowed.respond(to: APIRequest(method: .get, target: "/-/metrics", remoteAddress: "10.0.0.5"))
        #expect(response.status == .ok)
        // Unknown /-/ paths are counted under one label, not one per path.
        _ = allowed.respond(to: APIRequest(method: .get, target: "/-/x1", remoteAddress: "127.0.0.1"))
        let text = metrics(client).body
        #expect(text.contains(#"route="/-/*""#))
        #expect(!text.contains("x1"))
    }

    /// Security review, finding 5: a client-chosen method must not become a label, or anyone
    /// could grow `/-/metrics` without bound.
    @Test func labelSetsAreBoundedWhateverMethodsClientsSend() throws {
        let client = TestClient()
        for index in 0..<500 {
            _ = client.request("M\(index)", "/personal_access_tokens/self")
            _ = client.request("X\(index)", "/-/health")
        }
        _ = client.request("PATCH", "/personal_access_tokens/self")
        let text = metrics(client).body
        let series = text.split(separator: "\n").filter { $0.hasPrefix("tokend_http_requests_total{") }
        #expect(series.count <= 4, "\(series)")
        #expect(!text.contains("M1") && !text.contains("X1"))
        #expect(text.contains(#"method="other""#))
        #expect(text.contains(#"method="PATCH""#))
        #expect(text.utf8.count < 20_000)
    }

    @Test func bucketsAreCumulative() {
        let metrics = RequestMetrics()
        metrics.record(method: "GET", route: "/r", status: 200, seconds: 0.003)
        metrics.record(method: "GET", route: "/r", status: 200, seconds: 0.2)
        let text = metrics.render(store: [("tokend_store_generation", "g", 4)])
        #expect(text.contains(#"tokend_http_request_duration_seconds_bucket{method="GET",route="/r",le="0.005"} 1"#))
        #expect(text.contains(#"tokend_http_request_duration_seconds_bucket{method="GET",route="/r",le="0.25"} 2"#))
        #expect(text.contains(#"tokend_http_request_duration_seconds_bucket{method="GET",route="/r",le="0.1"} 1"#))
        #expect(text.contains("tokend_store_generation 4\n"))
        #expect(RequestMetrics.escape("a\"b\\") == #"a\"b\\"#)
    }
}
