import TokenCore
import TokenStore

extension TokenRepository {
    /// A write by the operator at the console (`tokend user create`, `token revoke`, …), with
    /// the audit events of what it changed, in the same transaction (actor `console`).
    func auditedWrite<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        try write(.audited(AuditContext(actor: .console, time: Clock.system.now())), body)
    }
}
