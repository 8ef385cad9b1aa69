import JSON
import TokenCore

/// GitLab's health checks: `/-/health`, `/-/liveness`, `/-/readiness`, and Prometheus metrics
/// at `/-/metrics`, answered only to loopback clients and the configured monitoring allow-list
/// (others get 404, as GitLab does).
enum HealthEndpoints {
    private static let knownPaths: Set<Substring> = ["/-/health", "/-/liveness", "/-/readiness", "/-/metrics"]

    /// Answers a `/-/` path, or nil when the path is not one. The response's route (the log and
    /// metrics label) is the path for the known ones and `/-/*` for any other: anyone may send
    /// `/-/anything`, and labels must stay bounded.
    static func respond(to request: APIRequest, environment: APIEnvironment) -> APIResponse? {
        guard request.rawPath.hasPrefix("/-/") else { return nil }
        var response = answer(request, environment: environment)
        response.route = knownPaths.contains(request.rawPath) ? String(request.rawPath) : "/-/*"
        return response
    }

    private static func answer(_ request: APIRequest, environment: APIEnvironment) -> APIResponse {
        let path = request.rawPath
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPError.methodNotAllowed(allow: ["GET", "HEAD"]).response
        }
        guard isAllowed(request.remoteAddress, allowList: environment.monitoringAllowList) else {
            return HTTPError.routeNotFound.response
        }
        switch path {
        case "/-/health":
            return APIResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("GitLab OK".utf8))
        case "/-/liveness":
            return status(200, ok: true)
        case "/-/metrics":
            let gauges = (try? (environment.repository as? StoreMonitoring)?.gauges()) ?? []
            let text = environment.metrics.render(store: gauges)
            return APIResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")], body: Array(text.utf8))
        case "/-/readiness":
            let ready = (try? environment.repository.read { _ in true }) ?? false
            var w = JSONWriter()
            w.beginObject()
            w.field("status", ready ? "ok" : "failed")
            w.key("master_check")
            w.beginArray()
            w.beginObject()
            w.field("status", ready ? "ok" : "failed")
            w.endObject()
            w.endArray()
            w.key("store_check")
            w.beginArray()
            w.beginObject()
            w.field("status", ready ? "ok" : "failed")
            w.endObject()
            w.endArray()
            w.endObject()
            return .json(ready ? 200 : 503, w)
        default:
            return HTTPError.routeNotFound.response
        }
    }

    private static func status(_ code: Int, ok: Bool) -> APIResponse {
        var w = JSONWriter()
        w.beginObject()
        w.field("status", ok ? "ok" : "failed")
        w.endObject()
        return .json(code, w)
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
