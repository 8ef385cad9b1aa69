import TokenCore
import TokenStore

extension TokenRepository {
    /// A write by the operator at the console (`tokend user create`, `token revoke`, …), with
    /// the audit events of what it changed, in the same transaction (actor `console`).
    func auditedWrite<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        let context = AuditContext(actor: .console, time: Clock.system.now())
        return try write { state in
            let result = try body(&state)
            AuditTrail.record(context, in: &state)
            return result
        }
    }
}
