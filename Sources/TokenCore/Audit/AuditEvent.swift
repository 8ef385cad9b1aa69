/// One entry of the audit log: what happened, to what, by whom, from where and when.
///
/// An event never holds a token value, nor its digest: tokens are named by id and kind. Events
/// that record a change travel in the transaction that makes it (``StoreChange/audit(_:)``), so
/// a store persists them with the change, all or nothing; ``StoreState/apply(_:)`` ignores them.
public struct AuditEvent: Hashable, Sendable {
    /// What happened, as the `event` field of an audit line spells it.
    public enum Name: String, Hashable, Sendable, CaseIterable {
        case tokenCreated = "token_created"
        case tokenRotated = "token_rotated"
        case tokenRevoked = "token_revoked"
        /// A revoked token came back to a rotate endpoint: its still-active family was revoked.
        case tokenReuseDetected = "token_reuse_detected"
        /// Best effort and aggregated (``AuditEvent/count``): see ``FailedAuthentication``.
        case authenticationFailed = "authentication_failed"
        case adminTokenLookedUp = "admin_token_looked_up"
        case adminTokenRevoked = "admin_token_revoked"
        case userCreated = "user_created"
        case userBlocked = "user_blocked"
        case userUnblocked = "user_unblocked"
        case userDeleted = "user_deleted"
        case memberAdded = "member_added"
        case memberChanged = "member_changed"
        case memberRemoved = "member_removed"
        case hookCreated = "hook_created"
        case hookUpdated = "hook_updated"
        case hookDeleted = "hook_deleted"
        /// A password sign-in that succeeded, and one that failed (GitLab's names; a failure's
        /// ``AuditEvent/reason`` says why: `invalid`, `locked`, `blocked`, `not_allowed`).
        case authenticatedWithPassword = "authenticated_with_password"
        case loginFailedWithStandardAuthentication = "login_failed_with_standard_authentication"
        /// The web server's sign-in (`REMOTE_USER` or the operator's header) started a session.
        case authenticatedWithWebServer = "authenticated_with_web_server"
        /// Too many failed sign-ins locked the account (Devise lockable).
        case userAccessLocked = "user_access_locked"
        case userPasswordUpdated = "user_password_updated"
        /// GitLab EE's names for deploy tokens (`DeployTokens::CreateService`, `DestroyService`).
        case deployTokenCreated = "deploy_token_created"
        case deployTokenDestroyed = "deploy_token_destroyed"
        case deployTokenRevoked = "deploy_token_revoked"
    }

    public var name: Name
    public var time: Timestamp
    public var actor: AuditActor
    /// The client's address, as the web server gave it.
    public var ipAddress: String?
    /// The request's `X-Request-Id` (nil offline).
    public var requestID: String?
    /// The scope GitLab files the event under: the token owner, the project or the group.
    public var entity: AuditEntity
    public var target: AuditTarget
    /// The token the event is about (created, rotated into, revoked, presented).
    public var token: AuditTokenReference?
    /// A changed attribute (a member's access level), GitLab's `change`/`from`/`to`.
    public var change: AuditChange?
    /// Why an authentication failed: unknown, expired, revoked, blocked or scope.
    public var reason: String?
    /// How many failures this event stands for (failed authentications are aggregated).
    public var count: Int?
    /// Other tokens involved: the one a rotation replaced, or the family reuse detection revoked.
    public var relatedTokens: [TokenID]

    public init(
        name: Name, time: Timestamp, actor: AuditActor, ipAddress: String? = nil, requestID: String? = nil,
        entity: AuditEntity, target: AuditTarget, token: AuditTokenReference? = nil, change: AuditChange? = nil,
        reason: String? = nil, count: Int? = nil, relatedTokens: [TokenID] = []
    ) {
        self.name = name
        self.time = time
        self.actor = actor
        self.ipAddress = ipAddress
        self.requestID = requestID
        self.entity = entity
        self.target = target
        self.token = token
        self.change = change
        self.reason = reason
        self.count = count
        self.relatedTokens = relatedTokens
    }
}

/// Who acted: the user a request acted as, and how it got there.
public struct AuditActor: Hashable, Sendable {
    /// nil for the operator at the console and for anonymous callers.
    public var userID: UserID?
    /// The user's name at the time (GitLab's `author_name`), or `console`/`anonymous`.
    public var name: String
    /// With `Sudo`: the administrator whose token asked to act as ``userID``.
    public var sudoer: UserID?
    /// The credential was an impersonation token (its creator is the actor of its
    /// `token_created` line).
    public var impersonation: Bool
    /// The token that authenticated the request.
    public var tokenID: TokenID?

    public init(userID: UserID?, name: String, sudoer: UserID? = nil, impersonation: Bool = false, tokenID: TokenID? = nil) {
        self.userID = userID
        self.name = name
        self.sudoer = sudoer
        self.impersonation = impersonation
        self.tokenID = tokenID
    }

    /// An offline command run by the operator.
    public static let console = AuditActor(userID: nil, name: "console")
    /// A request without a usable token.
    public static let anonymous = AuditActor(userID: nil, name: "anonymous")
}

/// GitLab's `entity_type`/`entity_id`.
public struct AuditEntity: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case user = "User"
        case project = "Project"
        case group = "Group"
        /// GitLab's `Gitlab::Audit::InstanceScope` (entity id 1).
        case instance = "Gitlab::Audit::InstanceScope"
    }

    public var kind: Kind
    public var id: Int

    public init(_ kind: Kind, _ id: Int) {
        self.kind = kind
        self.id = id
    }

    public static let instance = AuditEntity(.instance, 1)

    public static func resource(_ resource: Resource) -> AuditEntity {
        switch resource {
        case .project(let id): return AuditEntity(.project, id.rawValue)
        case .group(let id): return AuditEntity(.group, id.rawValue)
        }
    }
}

/// GitLab's `target_type`, `target_id` and `target_details`.
public struct AuditTarget: Hashable, Sendable {
    /// `PersonalAccessToken`, `User`, `ProjectHook`, …
    public var type: String
    public var id: Int?
    /// A name a reader recognises: the token's name, the username, the hook's id.
    public var details: String

    public init(type: String, id: Int?, details: String) {
        self.type = type
        self.id = id
        self.details = details
    }
}

public struct AuditTokenReference: Hashable, Sendable {
    public var id: TokenID
    public var kind: TokenIdentification.Kind

    public init(id: TokenID, kind: TokenIdentification.Kind) {
        self.id = id
        self.kind = kind
    }
}

public struct AuditChange: Hashable, Sendable {
    public var field: String
    public var from: String?
    public var to: String?

    public init(field: String, from: String?, to: String?) {
        self.field = field
        self.from = from
        self.to = to
    }
}

/// What an audit line says about the request behind it; the API layer knows it, the domain
/// never does.
public struct AuditContext: Hashable, Sendable {
    public var actor: AuditActor
    public var ipAddress: String?
    public var requestID: String?
    public var time: Timestamp

    public init(actor: AuditActor, ipAddress: String? = nil, requestID: String? = nil, time: Timestamp) {
        self.actor = actor
        self.ipAddress = ipAddress
        self.requestID = requestID
        self.time = time
    }

    /// An event with this context.
    public func event(
        _ name: AuditEvent.Name, entity: AuditEntity, target: AuditTarget, token: AuditTokenReference? = nil,
        change: AuditChange? = nil, reason: String? = nil, count: Int? = nil, relatedTokens: [TokenID] = []
    ) -> AuditEvent {
        AuditEvent(
            name: name, time: time, actor: actor, ipAddress: ipAddress, requestID: requestID, entity: entity, target: target,
            token: token, change: change, reason: reason, count: count, relatedTokens: relatedTokens)
    }
}
