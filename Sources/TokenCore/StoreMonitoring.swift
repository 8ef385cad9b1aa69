/// Figures a store backend reports for monitoring (`/-/metrics`): generation, file sizes,
/// record counts. Optional: a repository that does not conform simply reports none.
public protocol StoreMonitoring: Sendable {
    /// Gauges, each a Prometheus metric name (`tokend_store_…`), its help text and its value.
    func gauges() throws -> [(name: String, help: String, value: Int)]
}
