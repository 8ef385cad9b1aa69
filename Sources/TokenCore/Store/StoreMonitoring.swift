/// Figures a store backend reports for monitoring (`/-/metrics`): generation, file sizes,
/// record counts. Optional: a repository that does not conform simply reports none.
public protocol StoreMonitoring: Sendable {
    /// Gauges, each a Prometheus metric name (`tokend_store_…`), its help text and its value.
    func gauges() throws -> [(name: String, help: String, value: Int)]
    /// The checks `/-/readiness` reports this store under, each ok when a read succeeds
    /// (GitLab's names: a database backend adds `db_check`).
    var readinessChecks: [String] { get }
}

extension StoreMonitoring {
    public var readinessChecks: [String] { ["store_check"] }
}
