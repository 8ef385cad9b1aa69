import Testing
import TokenAPI
import TokendTesting

/// Every path goes through the router: the API's below `/api/v4`, and the gate, health checks and
/// metrics at `/-/`, matched on the raw path, each under a bounded template.
struct SystemRouteTests {
    let router = Application.defaultRouter

    @Test func theGateHealthAndMetricsAreRoutes() {
        #expect(router.systemRoute(for: "/-/auth")?.template == "/-/auth")
        #expect(router.systemRoute(for: "/-/auth/read_api+api")?.template == "/-/auth/:scopes")
        #expect(router.systemRoute(for: "/-/auth/a/b")?.template == "/-/auth/:scopes")
        for path in ["/-/health", "/-/liveness", "/-/readiness", "/-/metrics"] {
            #expect(router.systemRoute(for: Substring(path))?.template == path)
        }
        // Whatever else is sent below /-/ is one label, never the client's path.
        for path in ["/-/authx", "/-/health/", "/-/", "/-/x/../health"] {
            #expect(router.systemRoute(for: Substring(path))?.template == "/-/*", "\(path)")
        }
        #expect(router.systemRoute(for: "/api/v4/user") == nil)
        #expect(router.systemRoute(for: "/-") == nil)
    }

    @Test func onlyTheGateLeavesTheBodyUnread() {
        #expect(router.systemRoute(for: "/-/auth")?.readsBody == false)
        #expect(router.systemRoute(for: "/-/auth/api")?.readsBody == false)
        #expect(router.systemRoute(for: "/-/health")?.readsBody == true)
        #expect(!Application.readsBody(target: "/-/auth?project=a/b"))
    }

    @Test func aSystemRouteRefusesOtherMethodsWith405() {
        let client = TestClient()
        let health = client.request("POST", "//-/health")
        #expect(health.status == 405)
        #expect(health.header("Allow") == "GET, HEAD")
        #expect(client.request("DELETE", "//-/nothing").status == 405)
        #expect(client.request("HEAD", "//-/health").status == 200)
        // The gate words its own refusal of a method, and still answers every one.
        #expect(client.request("POST", "//-/auth").status == 405)
    }
}
