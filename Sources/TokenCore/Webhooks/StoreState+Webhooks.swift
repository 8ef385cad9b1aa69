extension StoreState {
    public mutating func put(_ hook: Webhook) {
        let undo: StoreChange = webhookRecords.hook(hook.id).map { .putHook($0) } ?? .deleteHook(hook.id)
        record(.putHook(hook), undoneBy: undo)
    }

    /// Removes a hook and what the notifier remembers of it.
    public mutating func deleteHook(_ id: HookID) {
        guard let old = webhookRecords.hook(id) else { return }
        for notice in webhookRecords.notices.values where notice.key.hookID == id { deleteNotice(notice.key) }
        record(.deleteHook(id), undoneBy: .putHook(old))
    }

    public mutating func put(_ notice: ExpiryNotice) {
        let undo: StoreChange = webhookRecords.notices[notice.key].map { .putNotice($0) } ?? .deleteNotice(notice.key)
        record(.putNotice(notice), undoneBy: undo)
    }

    public mutating func deleteNotice(_ key: ExpiryNotice.Key) {
        guard let old = webhookRecords.notices[key] else { return }
        record(.deleteNotice(key), undoneBy: .putNotice(old))
    }
}

/// The records a transaction touched, as they were before it (``StoreState/transactionOrigins()``):
/// a key maps to `.some(nil)` when the record did not exist yet.
public struct TransactionOrigins: Sendable {
    public var tokens: [TokenID: AccessToken?] = [:]
    public var users: [UserID: User?] = [:]
    public var memberships: [Membership.Key: Membership?] = [:]
    public var hooks: [HookID: Webhook?] = [:]
    public var deployTokens: [DeployTokenID: DeployToken?] = [:]

    public init() {}
}
