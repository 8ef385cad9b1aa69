/// Which expiry notices are due, and what a delivery attempt leaves behind (GitLab's
/// `PersonalAccessTokens::ExpiringWorker` and `WebHookService` backoff, without I/O).
///
/// A project or group access token that expires within an enabled interval
/// (``ExpiryInterval``) gets one notice per interval through every hook of its resource, and
/// of the resource's ancestor groups, that asked for `resource_access_token_events`. A notice
/// is delivered once: delivered or given up, it is never due again; a failed one is due again
/// after a backoff that doubles, and is given up after ``maximumAttempts``.
public enum ExpiryNotifier {
    public static let maximumAttempts = 5
    /// The wait after the first failure; doubles after each.
    public static let firstBackoffMinutes: Int64 = 15

    /// One notice to send now.
    public struct Due: Sendable {
        public var key: ExpiryNotice.Key
        public var token: AccessToken
        public var resource: Resource
        public var hook: Webhook
        /// What earlier attempts left (nil for a first attempt).
        public var previous: ExpiryNotice?

        public init(key: ExpiryNotice.Key, token: AccessToken, resource: Resource, hook: Webhook, previous: ExpiryNotice? = nil) {
            self.key = key
            self.token = token
            self.resource = resource
            self.hook = hook
            self.previous = previous
        }
    }

    /// The interval a token's expiry falls in today, among `enabled`; nil when none does (or the
    /// token is inactive or never expires).
    public static func interval(of token: AccessToken, now: Timestamp, enabled: Set<ExpiryInterval>) -> ExpiryInterval? {
        guard token.isActive(at: now), let expiry = token.expiresAt else { return nil }
        return ExpiryInterval.interval(daysLeft: expiry.daysSinceEpoch - now.date.daysSinceEpoch, enabled: enabled)
    }

    /// Every notice due at `now`, in a stable order (hook, token, interval).
    public static func due(in state: borrowing StoreState, now: Timestamp, enabled: Set<ExpiryInterval>) -> [Due] {
        var result: [Due] = []
        let hooks = state.webhooks.allHooks().filter(\.resourceAccessTokenEvents)
        guard !hooks.isEmpty else { return [] }
        var hooksByResource: [Resource: [Webhook]] = [:]
        for hook in hooks { hooksByResource[hook.resource, default: []].append(hook) }
        for token in state.allTokens() {
            guard let interval = interval(of: token, now: now, enabled: enabled),
                let resource = state.user(token.userID)?.botResource,
                ResourceTokenService.belongs(token, to: resource, state: state)
            else { continue }
            for hook in reachingHooks(of: resource, hooksByResource, state: state) {
                let key = ExpiryNotice.Key(tokenID: token.id, interval: interval, hookID: hook.id)
                let previous = state.webhooks.notices[key]
                if let previous {
                    guard previous.state == .retrying, let next = previous.nextAttemptAt, next <= now else { continue }
                }
                result.append(Due(key: key, token: token, resource: resource, hook: hook, previous: previous))
            }
        }
        return result.sorted { ($0.hook.id, $0.key) < ($1.hook.id, $1.key) }
    }

    /// The resource's own hooks, then its ancestor groups' (nearest first).
    static func reachingHooks(of resource: Resource, _ hooks: [Resource: [Webhook]], state: borrowing StoreState) -> [Webhook] {
        var result = hooks[resource] ?? []
        var group: GroupID?
        switch resource {
        case .project(let id):
            if case .group(let parent)? = state.resources.project(id)?.namespace { group = parent }
        case .group(let id):
            group = state.resources.group(id)?.parentID
        }
        if let group {
            for ancestor in state.resources.lineage(of: group) { result += hooks[.group(ancestor.id)] ?? [] }
        }
        return result
    }

    /// The notice after an attempt at `now`: delivered on a 2xx, else retried after the backoff
    /// or given up.
    public static func outcome(of due: Due, status: Int?, at now: Timestamp) -> ExpiryNotice {
        let attempts = (due.previous?.attempts ?? 0) + 1
        if let status, (200..<300).contains(status) {
            return ExpiryNotice(key: due.key, state: .delivered, attempts: attempts, lastAttemptAt: now, lastStatus: status)
        }
        guard attempts < maximumAttempts else {
            return ExpiryNotice(key: due.key, state: .gaveUp, attempts: attempts, lastAttemptAt: now, lastStatus: status)
        }
        let wait = firstBackoffMinutes << Int64(attempts - 1)
        return ExpiryNotice(
            key: due.key, state: .retrying, attempts: attempts, lastAttemptAt: now, nextAttemptAt: now.adding(minutes: wait),
            lastStatus: status)
    }

    /// Notices about tokens that can no longer expire into a notice (revoked, expired, gone):
    /// what a run removes so the store does not keep them forever.
    public static func stale(in state: borrowing StoreState, now: Timestamp) -> [ExpiryNotice.Key] {
        state.webhooks.notices.keys.filter { key in
            guard let token = state.token(key.tokenID) else { return true }
            return !token.isActive(at: now)
        }.sorted()
    }

    /// Personal access tokens of people (not bots, not impersonation tokens) that expire within
    /// an interval in `enabled` and have not been listed for it yet.
    public static func personal(in state: borrowing StoreState, now: Timestamp, enabled: Set<ExpiryInterval>) -> [(AccessToken, User, ExpiryInterval)] {
        var result: [(AccessToken, User, ExpiryInterval)] = []
        for token in state.allTokens() where !token.impersonation {
            guard let interval = interval(of: token, now: now, enabled: enabled), let owner = state.user(token.userID), !owner.isBot,
                state.webhooks.notices[personalKey(token.id, interval)] == nil
            else { continue }
            result.append((token, owner, interval))
        }
        return result
    }

    /// Personal listings are remembered as notices to hook id 0 (no hook has it).
    public static func personalKey(_ token: TokenID, _ interval: ExpiryInterval) -> ExpiryNotice.Key {
        ExpiryNotice.Key(tokenID: token, interval: interval, hookID: HookID(0))
    }
}
