/// The audit events a transaction's changes stand for, derived from what it changed
/// (``StoreState/transactionOrigins()`` against the records now), so no change that matters
/// can be made without its line: a token created, rotated or revoked; a user created, blocked,
/// unblocked or deleted; a member added, changed or removed; a webhook created, updated or
/// deleted. Pure: the request's context comes in as an ``AuditContext``.
///
/// Bots are left out as users and members: a resource token's bot and membership are part of
/// the token's own `token_created` line. A token an event of the transaction already names
/// (reuse detection, the admin token API) is not described twice.
public enum AuditTrail {
    /// Records the events of the transaction so far in it.
    public static func record(_ context: AuditContext, in state: inout StoreState) {
        for event in events(of: state, context: context) { state.recordAudit(event) }
    }

    public static func events(of state: borrowing StoreState, context: AuditContext) -> [AuditEvent] {
        let origins = state.transactionOrigins()
        var described = Set<TokenID>()
        var describedDeployTokens = Set<Int>()
        for change in state.pendingChanges {
            guard case .audit(let event) = change else { continue }
            if event.target.type == AuditTarget.deployTokenType, let id = event.target.id { describedDeployTokens.insert(id) }
            if let token = event.token { described.insert(token.id) }
            described.formUnion(event.relatedTokens)
        }
        let lookup = Lookup(state: copy state, origins: origins)
        var events: [AuditEvent] = []
        events += userEvents(origins, lookup, context)
        events += memberEvents(origins, lookup, context)
        events += tokenEvents(origins, lookup, context, skipping: described)
        events += hookEvents(origins, state, context)
        events += deployTokenEvents(origins, state, context, skipping: describedDeployTokens)
        return events
    }

    // MARK: Tokens

    private static func tokenEvents(
        _ origins: TransactionOrigins, _ lookup: Lookup, _ context: AuditContext, skipping described: Set<TokenID>
    ) -> [AuditEvent] {
        var events: [AuditEvent] = []
        var replaced = Set<TokenID>()
        for (id, before) in origins.tokens.sorted(by: { $0.key < $1.key }) where !described.contains(id) {
            guard let after = lookup.token(id) else { continue }
            if before == nil {
                if let previous = after.previousTokenID, let old = origins.tokens[previous] ?? nil, !old.revoked,
                    lookup.token(previous)?.revoked == true
                {
                    replaced.insert(previous)
                    events.append(context.event(
                        .tokenRotated, entity: lookup.entity(of: after), target: lookup.target(after),
                        token: lookup.reference(after), relatedTokens: [previous]))
                } else {
                    events.append(context.event(
                        .tokenCreated, entity: lookup.entity(of: after), target: lookup.target(after), token: lookup.reference(after)))
                }
            }
        }
        for (id, before) in origins.tokens.sorted(by: { $0.key < $1.key }) where !described.contains(id) && !replaced.contains(id) {
            guard let before, !before.revoked, let after = lookup.token(id), after.revoked else { continue }
            events.append(context.event(
                .tokenRevoked, entity: lookup.entity(of: after), target: lookup.target(after), token: lookup.reference(after)))
        }
        return events
    }

    // MARK: Users and members

    private static func userEvents(_ origins: TransactionOrigins, _ lookup: Lookup, _ context: AuditContext) -> [AuditEvent] {
        var events: [AuditEvent] = []
        for (id, before) in origins.users.sorted(by: { $0.key < $1.key }) {
            let after = lookup.state.user(id)
            guard let user = after ?? before, !user.isBot else { continue }
            let target = AuditTarget(type: "User", id: id.rawValue, details: user.username)
            let entity = AuditEntity(.user, id.rawValue)
            switch (before, after) {
            case (nil, _?): events.append(context.event(.userCreated, entity: entity, target: target))
            case (_?, nil): events.append(context.event(.userDeleted, entity: entity, target: target))
            case (let old?, let new?):
                if old.state != new.state {
                    events.append(context.event(new.state == .blocked ? .userBlocked : .userUnblocked, entity: entity, target: target))
                }
                if old.passwordHash != new.passwordHash, new.passwordHash != nil {
                    events.append(context.event(.userPasswordUpdated, entity: entity, target: target))
                }
                if old.lockedAt == nil, new.lockedAt != nil {
                    events.append(context.event(.userAccessLocked, entity: entity, target: target))
                }
            default: break
            }
        }
        return events
    }

    private static func memberEvents(_ origins: TransactionOrigins, _ lookup: Lookup, _ context: AuditContext) -> [AuditEvent] {
        var events: [AuditEvent] = []
        let keys = origins.memberships.keys.sorted { ($0.resource, $0.userID) < ($1.resource, $1.userID) }
        for key in keys {
            let before = origins.memberships[key] ?? nil
            let after = lookup.state.resources.membership(key.resource, key.userID)
            guard let user = lookup.user(key.userID), !user.isBot else { continue }
            let target = AuditTarget(type: "User", id: key.userID.rawValue, details: user.username)
            let entity = AuditEntity.resource(key.resource)
            switch (before, after) {
            case (nil, let new?):
                events.append(context.event(
                    .memberAdded, entity: entity, target: target,
                    change: AuditChange(field: "access_level", from: nil, to: new.accessLevel.name)))
            case (let old?, nil):
                events.append(context.event(
                    .memberRemoved, entity: entity, target: target,
                    change: AuditChange(field: "access_level", from: old.accessLevel.name, to: nil)))
            case (let old?, let new?) where old.accessLevel != new.accessLevel:
                events.append(context.event(
                    .memberChanged, entity: entity, target: target,
                    change: AuditChange(field: "access_level", from: old.accessLevel.name, to: new.accessLevel.name)))
            case (let old?, let new?) where old.expiresAt != new.expiresAt:
                events.append(context.event(
                    .memberChanged, entity: entity, target: target,
                    change: AuditChange(field: "expires_at", from: old.expiresAt?.iso8601, to: new.expiresAt?.iso8601)))
            default: break
            }
        }
        return events
    }

    // MARK: Hooks

    private static func hookEvents(_ origins: TransactionOrigins, _ state: borrowing StoreState, _ context: AuditContext) -> [AuditEvent] {
        var events: [AuditEvent] = []
        for (id, before) in origins.hooks.sorted(by: { $0.key < $1.key }) {
            let after = state.webhooks.hook(id)
            guard let hook = after ?? before else { continue }
            let target = AuditTarget(type: hook.resource.kind == "project" ? "ProjectHook" : "GroupHook", id: id.rawValue, details: "hook \(id.rawValue)")
            let entity = AuditEntity.resource(hook.resource)
            switch (before, after) {
            case (nil, _?): events.append(context.event(.hookCreated, entity: entity, target: target))
            case (_?, nil): events.append(context.event(.hookDeleted, entity: entity, target: target))
            case (let old?, let new?) where old != new: events.append(context.event(.hookUpdated, entity: entity, target: target))
            default: break
            }
        }
        return events
    }

    // MARK: Deploy tokens

    private static func deployTokenEvents(
        _ origins: TransactionOrigins, _ state: borrowing StoreState, _ context: AuditContext, skipping described: Set<Int>
    ) -> [AuditEvent] {
        var events: [AuditEvent] = []
        for (id, before) in origins.deployTokens.sorted(by: { $0.key < $1.key }) where !described.contains(id.rawValue) {
            let after = state.deployTokens.token(id)
            guard let token = after ?? before else { continue }
            let target = AuditTarget.deployToken(token)
            let entity = AuditEntity.resource(token.resource)
            switch (before, after) {
            case (nil, _?): events.append(context.event(.deployTokenCreated, entity: entity, target: target))
            case (_?, nil): events.append(context.event(.deployTokenDestroyed, entity: entity, target: target))
            case (let old?, let new?) where !old.revoked && new.revoked:
                events.append(context.event(.deployTokenRevoked, entity: entity, target: target))
            default: break
            }
        }
        return events
    }

    /// Records as they are now, else as they were before the transaction (a bot deleted with
    /// its resource still names its token's kind and resource).
    struct Lookup {
        let state: StoreState
        let origins: TransactionOrigins

        func token(_ id: TokenID) -> AccessToken? { state.token(id) ?? (origins.tokens[id] ?? nil) }
        func user(_ id: UserID) -> User? { state.user(id) ?? (origins.users[id] ?? nil) }

        func kind(of token: AccessToken) -> TokenIdentification.Kind {
            if token.impersonation { return .impersonation }
            switch user(token.userID)?.botResource {
            case .project?: return .project
            case .group?: return .group
            case nil: return .personal
            }
        }

        func reference(_ token: AccessToken) -> AuditTokenReference { AuditTokenReference(id: token.id, kind: kind(of: token)) }

        /// A personal or impersonation token's owner; a resource token's project or group.
        func entity(of token: AccessToken) -> AuditEntity { Self.entity(of: token, bot: user(token.userID)?.botResource) }

        func target(_ token: AccessToken) -> AuditTarget { Self.target(token, kind: kind(of: token)) }

        static func entity(of token: AccessToken, bot: Resource?) -> AuditEntity {
            bot.map(AuditEntity.resource) ?? AuditEntity(.user, token.userID.rawValue)
        }

        static func target(_ token: AccessToken, kind: TokenIdentification.Kind) -> AuditTarget {
            AuditTarget(type: kind.targetType, id: token.id.rawValue, details: token.name)
        }
    }
}

extension AuditTrail {
    /// The entity, target and reference of `token` as the events above describe it, for events
    /// recorded by hand (reuse detection, the admin token API, failed authentications).
    public static func describe(_ token: AccessToken, in state: borrowing StoreState) -> (AuditEntity, AuditTarget, AuditTokenReference) {
        let kind = TokenIdentification.kind(of: token, in: state)
        let bot = state.user(token.userID)?.botResource
        return (Lookup.entity(of: token, bot: bot), Lookup.target(token, kind: kind), AuditTokenReference(id: token.id, kind: kind))
    }
}

extension TokenIdentification.Kind {
    /// GitLab's model name, as `target_type`.
    public var targetType: String {
        switch self {
        case .personal, .impersonation, .project, .group: return "PersonalAccessToken"
        }
    }
}

extension AccessLevel {
    /// GitLab's role name (`Developer`), as audit events show it.
    public var name: String {
        switch self {
        case .noAccess: return "No access"
        case .minimalAccess: return "Minimal Access"
        case .guest: return "Guest"
        case .planner: return "Planner"
        case .reporter: return "Reporter"
        case .developer: return "Developer"
        case .maintainer: return "Maintainer"
        case .owner: return "Owner"
        }
    }
}

extension AuditTarget {
    /// A deploy token as audit events name it (GitLab's `DeployToken` model).
    public static func deployToken(_ token: DeployToken) -> AuditTarget {
        AuditTarget(type: deployTokenType, id: token.id.rawValue, details: token.name)
    }

    public static let deployTokenType = "DeployToken"
}
