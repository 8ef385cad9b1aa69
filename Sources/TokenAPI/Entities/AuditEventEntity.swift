import JSON
import TokenCore

/// GitLab's `AuditEvent` entity: `id`, `author_id`, `entity_id`, `entity_type`, `event_name`,
/// `details`, `created_at`. `details` holds what GitLab puts there (`author_name`,
/// `target_id`, `target_type`, `target_details`, `ip_address`, `entity_path`, and
/// `add`/`as`, `remove` or `change`/`from`/`to` for members, else `custom_message`), plus
/// tokend's own fields (`request_id`, `token_id`, `token_kind`, `sudoer_id`, `impersonation`,
/// `reason`, `count`, `related_token_ids`). No token value is ever in an event.
struct AuditEventEntity {
    /// Paths of the entities named (`group/project`, a username), read once per page.
    var paths: [AuditEntity: String]

    init(_ events: [StoredAuditEvent], state: borrowing StoreState) {
        var paths: [AuditEntity: String] = [:]
        for stored in events {
            let entity = stored.event.entity
            guard paths[entity] == nil else { continue }
            switch entity.kind {
            case .project: paths[entity] = state.resources.fullPath(of: .project(ProjectID(entity.id)))
            case .group: paths[entity] = state.resources.fullPath(of: .group(GroupID(entity.id)))
            case .user: paths[entity] = state.user(UserID(entity.id))?.username
            case .instance: break
            }
        }
        self.paths = paths
    }

    func write(_ stored: StoredAuditEvent, into w: inout JSONWriter) {
        let event = stored.event
        w.beginObject()
        w.field("id", stored.id)
        w.field("author_id", event.actor.userID?.rawValue ?? -1)
        w.field("entity_id", event.entity.id)
        w.field("entity_type", event.entity.kind.rawValue)
        w.field("event_name", event.name.rawValue)
        w.key("details")
        w.beginObject()
        switch (event.name, event.change) {
        case (.memberAdded, let change?):
            w.field("add", "user_access")
            w.field("as", change.to)
        case (.memberRemoved, _):
            w.field("remove", "user_access")
        case (.memberChanged, let change?):
            w.field("change", change.field)
            w.field("from", change.from)
            w.field("to", change.to)
        default:
            w.field("custom_message", Self.message(event))
        }
        w.field("author_name", event.actor.name)
        w.field("target_id", event.target.id)
        w.field("target_type", event.target.type)
        w.field("target_details", event.target.details)
        w.field("ip_address", event.ipAddress)
        w.field("entity_path", paths[event.entity])
        w.field("request_id", event.requestID)
        if let token = event.token {
            w.field("token_id", token.id.rawValue)
            w.field("token_kind", token.kind.rawValue)
        }
        if let sudoer = event.actor.sudoer { w.field("sudoer_id", sudoer.rawValue) }
        if event.actor.impersonation { w.field("impersonation", true) }
        if let token = event.actor.tokenID { w.field("author_token_id", token.rawValue) }
        if let reason = event.reason { w.field("reason", reason) }
        if let count = event.count { w.field("count", count) }
        if !event.relatedTokens.isEmpty {
            w.key("related_token_ids")
            w.beginArray()
            for id in event.relatedTokens { w.int(id.rawValue) }
            w.endArray()
        }
        w.endObject()
        w.field("created_at", event.time.iso8601)
        w.endObject()
    }

    /// GitLab-style sentences for the events GitLab describes with `custom_message`.
    static func message(_ event: AuditEvent) -> String {
        let kind = (event.token?.kind.rawValue ?? "access_token").replacingUnderscores
        let id = event.target.id.map(String.init) ?? "?"
        switch event.name {
        case .tokenCreated: return "Created \(kind) with id \(id)"
        case .tokenRotated:
            return "Rotated \(kind) with id \(event.relatedTokens.first.map(String.init) ?? "?") into id \(id)"
        case .tokenRevoked: return "Revoked \(kind) with id \(id)"
        case .tokenReuseDetected:
            let family = event.relatedTokens.map(String.init).joined(separator: ", ")
            return "Revoked \(kind) with id \(id) was presented for rotation; revoked its family: \(family.isEmpty ? "none active" : family)"
        case .authenticationFailed:
            let times = (event.count ?? 1) == 1 ? "once" : "\(event.count ?? 1) times"
            return "Failed to authenticate (\(event.reason ?? "unknown")), \(times)"
        case .adminTokenLookedUp: return "Looked up \(kind) with id \(id) by its value"
        case .adminTokenRevoked: return "Revoked \(kind) with id \(id) by its value"
        case .userCreated: return "Created user \(event.target.details)"
        case .userBlocked: return "Blocked user \(event.target.details)"
        case .userUnblocked: return "Unblocked user \(event.target.details)"
        case .userDeleted: return "Deleted user \(event.target.details)"
        case .memberAdded, .memberChanged, .memberRemoved: return "Changed the membership of \(event.target.details)"
        case .hookCreated: return "Created \(event.target.type) with id \(id)"
        case .hookUpdated: return "Updated \(event.target.type) with id \(id)"
        case .hookDeleted: return "Deleted \(event.target.type) with id \(id)"
        case .authenticatedWithPassword: return "Signed in with password"
        case .authenticatedWithWebServer: return "Signed in through the web server"
        case .loginFailedWithStandardAuthentication: return "Failed to login with STANDARD authentication"
        case .userAccessLocked: return "User access locked: too many failed sign-ins"
        case .userPasswordUpdated: return "Changed password of \(event.target.details)"
        case .deployTokenCreated: return "Created \(event.entity.kind == .group ? "group" : "project") deploy token with name: \(event.target.details) with token_id: \(id)"
        case .deployTokenDestroyed: return "Destroyed \(event.entity.kind == .group ? "group" : "project") deploy token with name: \(event.target.details) with token_id: \(id)"
        case .deployTokenRevoked: return "Revoked \(event.entity.kind == .group ? "group" : "project") deploy token with name: \(event.target.details) with token_id: \(id)"
        }
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
