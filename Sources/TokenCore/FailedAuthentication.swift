/// Failed authentications in the audit log: best effort, batched and bounded, so that a flood of
/// bad tokens costs the request path a dictionary update and the disk a few lines per batch,
/// whatever the flood's size.
///
/// Failures with the same reason, address and token fold into one event whose ``AuditEvent/count``
/// says how many it stands for (time: the first of them). At most ``eventsPerFlush`` events are
/// written per batch; the rest fold into one event of reason `various` from the instance.
public enum FailedAuthentication {
    /// Why a presented token did not authenticate (the `reason` of the event).
    public enum Reason: String, Hashable, Sendable, CaseIterable {
        /// No stored token has this value.
        case unknown
        case expired
        case revoked
        /// The owner is blocked (or, with impersonation disabled, the token is an impersonation token).
        case blocked
        /// The token lacks the scope the endpoint (or the gate) asked for.
        case scope
    }

    /// Most itemised events per batch.
    public static let eventsPerFlush = 64

    /// What makes two failures the same line.
    public struct Key: Hashable, Sendable {
        public var reason: String?
        public var ipAddress: String?
        public var tokenID: TokenID?
        public var entity: AuditEntity

        public init(_ event: AuditEvent) {
            reason = event.reason
            ipAddress = event.ipAddress
            tokenID = event.token?.id
            entity = event.entity
        }
    }

    /// An `authentication_failed` event.
    public static func event(
        _ reason: Reason, token: (entity: AuditEntity, target: AuditTarget, reference: AuditTokenReference)?, ipAddress: String?,
        requestID: String?, at time: Timestamp
    ) -> AuditEvent {
        AuditEvent(
            name: .authenticationFailed, time: time, actor: .anonymous, ipAddress: ipAddress, requestID: requestID,
            entity: token?.entity ?? .instance, target: token?.target ?? AuditTarget(type: "PersonalAccessToken", id: nil, details: "unknown token"),
            token: token?.reference, reason: reason.rawValue, count: 1)
    }

    /// Folds `events` (in order) into at most `limit` itemised ones plus one summary.
    public static func aggregate(_ events: [AuditEvent], limit: Int) -> [AuditEvent] {
        var folded: [AuditEvent] = []
        var index: [Key: Int] = [:]
        var overflow: AuditEvent?
        for event in events {
            let key = Key(event)
            if let at = index[key] {
                folded[at].count = (folded[at].count ?? 1) + (event.count ?? 1)
            } else if folded.count < limit {
                index[key] = folded.count
                folded.append(event)
            } else if overflow == nil {
                overflow = summary(from: event)
            } else {
                overflow!.count = (overflow!.count ?? 0) + (event.count ?? 1)
            }
        }
        if let overflow { folded.append(overflow) }
        return folded
    }

    /// Whether `event` has the shape that ``event(_:token:ipAddress:requestID:at:)`` and
    /// ``summary(from:)`` give, with bounded fields: all that the CGI spill file may carry into
    /// the chain (anyone who can write that file could otherwise have any event signed).
    public static func isFailedAuthentication(_ event: AuditEvent) -> Bool {
        guard event.name == .authenticationFailed, event.actor == .anonymous, event.change == nil, event.relatedTokens.isEmpty,
            let reason = event.reason, Reason(rawValue: reason) != nil || reason == "various",
            let count = event.count, count >= 1, count <= 1 << 40,
            event.target.type == "PersonalAccessToken", event.target.details.utf8.count <= maximumDetailsBytes,
            event.ipAddress.map({ $0.utf8.count <= 64 }) ?? true, event.requestID.map({ $0.utf8.count <= 128 }) ?? true
        else { return false }
        // A named token is the event's target and reference, filed under its owner or resource.
        if let token = event.token {
            return event.target.id == token.id.rawValue && event.entity.kind != .instance
        }
        return event.target.id == nil && event.entity == .instance
    }

    /// A token name's bytes at most (1,000 characters of up to 4 bytes).
    public static let maximumDetailsBytes = 4000

    /// The one event the failures beyond the itemised ones fold into.
    public static func summary(from event: AuditEvent) -> AuditEvent {
        AuditEvent(
            name: .authenticationFailed, time: event.time, actor: .anonymous, entity: .instance,
            target: AuditTarget(type: "PersonalAccessToken", id: nil, details: "more failures than one batch itemises"),
            reason: "various", count: event.count ?? 1)
    }
}
