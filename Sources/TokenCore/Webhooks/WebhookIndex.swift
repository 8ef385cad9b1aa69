/// The webhooks and expiry notices of a ``StoreState``. Mutated only through ``StoreState``,
/// which keeps the undo log.
public struct WebhookIndex: Sendable {
    public private(set) var hooks: [HookID: Webhook] = [:]
    public private(set) var notices: [ExpiryNotice.Key: ExpiryNotice] = [:]
    private var hooksByResource: [Resource: Set<HookID>] = [:]

    init() {}

    public func hook(_ id: HookID) -> Webhook? { hooks[id] }

    /// A resource's hooks, by ascending id.
    public func hooks(of resource: Resource) -> [Webhook] {
        (hooksByResource[resource] ?? []).sorted().compactMap { hooks[$0] }
    }

    /// Every hook, by ascending id.
    public func allHooks() -> [Webhook] { hooks.values.sorted { $0.id < $1.id } }

    /// Every notice, in key order.
    public func allNotices() -> [ExpiryNotice] { notices.values.sorted { $0.key < $1.key } }

    mutating func setHook(_ id: HookID, _ hook: Webhook?) {
        if let old = hooks[id] { hooksByResource[old.resource]?.remove(id) }
        hooks[id] = hook
        if let hook { hooksByResource[hook.resource, default: []].insert(id) }
    }

    mutating func setNotice(_ key: ExpiryNotice.Key, _ notice: ExpiryNotice?) {
        notices[key] = notice
    }
}
