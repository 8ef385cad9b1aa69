import JSON
import TokenCore

/// GitLab's user entities: the basic fields everyone sees, plus `email` and `is_admin` for
/// the user themself and administrators.
enum UserEntity {
    static func write(_ user: User, webBase: String, detailed: Bool, admin: Bool, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", user.id.rawValue)
        w.field("username", user.username)
        w.field("public_email", nil as String?)
        w.field("name", user.name)
        w.field("state", user.state.rawValue)
        w.field("locked", false)
        w.field("avatar_url", nil as String?)
        w.field("web_url", webBase + "/" + user.username)
        if detailed {
            w.field("created_at", user.createdAt.iso8601)
            w.field("bot", user.isBot)
            w.field("email", user.email)
        }
        if admin { w.field("is_admin", user.isAdmin) }
        w.endObject()
    }
}

extension RequestContext {
    /// `https://host[:port]` for web URLs and links: the configured external URL, or the origin
    /// the request came in on.
    var webBase: String {
        var base = environment.externalURL ?? request.origin ?? "http://localhost"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
