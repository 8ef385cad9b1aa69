import HTTPTypes
import JSON
import TokenCore

/// GitLab's health checks: `/-/health`, `/-/liveness`, `/-/readiness`, and Prometheus metrics
/// at `/-/metrics`, answered only to loopback clients and the configured monitoring allow-list
/// (others get 404, as GitLab does).
enum HealthEndpoints {
    /// The four checks, and `/-/*` for any other `/-/` path: anyone may send `/-/anything`, and
    /// labels must stay bounded. Every one answers GET and HEAD only (405 otherwise, unknown
    /// paths included), and only to allowed clients (404 to others).
    static let routes: [SystemRoute] = [
        route("/-/health") { _, _ in .text(.ok, "GitLab OK") },
        route("/-/liveness") { _, _ in status(ok: true) },
        route("/-/metrics") { _, dependencies in
            let gauges = (try? (dependencies.repository as? any StoreMonitoring)?.gauges()) ?? []
            return .text(.ok, dependencies.metrics.render(store: gauges), contentType: "text/plain; version=0.0.4")
        },
        route("/-/readiness") { _, dependencies in readiness(dependencies) },
        SystemRoute(.prefix(SystemRoute.root), methods: [.get], template: "/-/*") { _, _ in
            Answer(response: HTTPError.routeNotFound.response, telemetry: Telemetry())
        },
    ]

    /// A check at `path`, answered only to loopback and the monitoring allow-list.
    private static func route(_ path: String, _ respond: @escaping @Sendable (APIRequest, APIDependencies) -> APIResponse) -> SystemRoute {
        SystemRoute(.exact(path), methods: [.get], template: path) { request, dependencies in
            guard isAllowed(request.remoteAddress, allowList: dependencies.monitoringAllowList) else {
                return Answer(response: HTTPError.routeNotFound.response, telemetry: Telemetry())
            }
            return Answer(response: respond(request, dependencies), telemetry: Telemetry())
        }
    }

    /// GitLab's shape: each check a list of results; a failed store check carries `message`,
    /// why the store cannot be read (the database's address or the directory, never a password).
    private static func readiness(_ dependencies: APIDependencies) -> APIResponse {
        var failure: String?
        do {
            _ = try dependencies.repository.read { _ in true }
        } catch let error as RepositoryError {
            failure = error.message
        } catch {
            failure = "the store cannot be read"
        }
        let ready = failure == nil
        var w = JSONWriter()
        w.beginObject()
        w.field("status", ready ? "ok" : "failed")
        let checks = (dependencies.repository as? any StoreMonitoring)?.readinessChecks ?? ["store_check"]
        for check in ["master_check"] + checks {
            w.key(check)
            w.beginArray()
            w.beginObject()
            w.field("status", ready ? "ok" : "failed")
            if let failure, check != "master_check" { w.field("message", failure) }
            w.endObject()
            w.endArray()
        }
        w.endObject()
        return .json(ready ? .ok : .serviceUnavailable, w)
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
