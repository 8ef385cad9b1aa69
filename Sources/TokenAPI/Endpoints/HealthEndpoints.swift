import HTTPTypes
import JSON
import TokenCore

/// GitLab's health checks: `/-/health`, `/-/liveness`, `/-/readiness`, and Prometheus metrics
/// at `/-/metrics`, answered only to loopback clients and the configured monitoring allow-list
/// (others get 404, as GitLab does).
enum HealthEndpoints {
    private static let knownPaths: Set<Substring> = ["/-/health", "/-/liveness", "/-/readiness", "/-/metrics"]

    /// Answers a `/-/` path, or nil when the path is not one. The telemetry route is the path for
    /// the known ones and `/-/*` for any other: anyone may send `/-/anything`, and labels must
    /// stay bounded.
    static func answer(_ request: APIRequest, dependencies: APIDependencies) -> Answer? {
        guard request.rawPath.hasPrefix("/-/") else { return nil }
        let route = knownPaths.contains(request.rawPath) ? String(request.rawPath) : "/-/*"
        return Answer(response: respond(request, dependencies: dependencies), telemetry: Telemetry(route: route))
    }

    private static func respond(_ request: APIRequest, dependencies: APIDependencies) -> APIResponse {
        guard request.method == .get || request.method == .head else {
            return HTTPError.methodNotAllowed(allow: [.get, .head]).response
        }
        guard isAllowed(request.remoteAddress, allowList: dependencies.monitoringAllowList) else {
            return HTTPError.routeNotFound.response
        }
        switch request.rawPath {
        case "/-/health":
            return .text(.ok, "GitLab OK")
        case "/-/liveness":
            return status(ok: true)
        case "/-/metrics":
            let gauges = (try? (dependencies.repository as? any StoreMonitoring)?.gauges()) ?? []
            return .text(.ok, dependencies.metrics.render(store: gauges), contentType: "text/plain; version=0.0.4")
        case "/-/readiness":
            let ready = (try? dependencies.repository.read { _ in true }) ?? false
            var w = JSONWriter()
            w.beginObject()
            w.field("status", ready ? "ok" : "failed")
            let checks = (dependencies.repository as? any StoreMonitoring)?.readinessChecks ?? ["store_check"]
            for check in ["master_check"] + checks {
                w.key(check)
                w.beginArray()
                w.beginObject()
                w.field("status", ready ? "ok" : "failed")
                w.endObject()
                w.endArray()
            }
            w.endObject()
            return .json(ready ? .ok : .serviceUnavailable, w)
        default:
            return HTTPError.routeNotFound.response
        }
    }

    private static func status(ok: Bool) -> APIResponse {
        var w = JSONWriter()
        w.beginObject()
        w.field("status", ok ? "ok" : "failed")
        w.endObject()
        return .json(.ok, w)
    }

    /// Loopback always; otherwise an exact address or a prefix ending in `.` / `:` from the list.
    static func isAllowed(_ address: String?, allowList: [String]) -> Bool {
        guard let address else { return false }
        if address.hasPrefix("127.") || address == "::1" { return true }
        return allowList.contains { entry in
            entry == address || ((entry.hasSuffix(".") || entry.hasSuffix(":")) && address.hasPrefix(entry))
        }
    }
}
