import JSON
import TokenCore

/// GitLab's `access_token` webhook payload (`Gitlab::DataBuilder::ResourceAccessTokenPayload`):
/// `object_kind`, the project or group section (its `hook_attrs`), `object_attributes` (the
/// token's `hook_attrs`: `user_id`, `created_at`, `id`, `name`, `expires_at`), `event_name`, and
/// the `interval` GitLab merges in at the top level; tokend repeats `interval` inside
/// `object_attributes` too, where a reader may look for it. No token value, ever.
enum AccessTokenPayload {
    static func bytes(_ due: ExpiryNotifier.Due, state: borrowing StoreState, webBase: String) -> [UInt8] {
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.field("object_kind", "access_token")
        switch due.resource {
        case .project(let id):
            if let project = state.resources.project(id) {
                w.key("project")
                writeProject(project, state: state, webBase: webBase, into: &w)
            }
        case .group(let id):
            if let group = state.resources.group(id) {
                w.field("group_id", id.rawValue)
                w.key("group")
                w.beginObject()
                w.field("group_name", group.name)
                w.field("group_path", group.path)
                w.field("full_path", state.resources.fullPath(of: .group(id)) ?? group.path)
                w.field("group_id", id.rawValue)
                w.endObject()
            }
        }
        w.key("object_attributes")
        w.beginObject()
        w.field("user_id", due.token.userID.rawValue)
        w.field("created_at", hookTime(due.token.createdAt))
        w.field("id", due.token.id.rawValue)
        w.field("name", due.token.name)
        w.field("expires_at", due.token.expiresAt?.iso8601)
        w.field("interval", due.key.interval.rawValue)
        w.endObject()
        w.field("event_name", "expiring_access_token")
        w.field("interval", due.key.interval.rawValue)
        w.endObject()
        return w.bytes
    }

    /// A project's `hook_attrs`.
    static func writeProject(_ project: Project, state: borrowing StoreState, webBase: String, into w: inout JSONWriter) {
        let path = state.resources.fullPath(of: .project(project.id)) ?? project.path
        let host = webBase.split(separator: "/").dropFirst().first.map(String.init) ?? "localhost"
        let namespace: String
        switch project.namespace {
        case .group(let id): namespace = state.resources.group(id)?.name ?? ""
        case .user(let id): namespace = state.user(id)?.name ?? ""
        }
        let level: Int
        switch project.visibility {
        case .private: level = 0
        case .internal: level = 10
        case .public: level = 20
        }
        w.beginObject()
        w.field("id", project.id.rawValue)
        w.field("name", project.name)
        w.field("description", project.description)
        w.field("web_url", "\(webBase)/\(path)")
        w.key("avatar_url")
        w.null()
        w.field("git_ssh_url", "git@\(host):\(path).git")
        w.field("git_http_url", "\(webBase)/\(path).git")
        w.field("namespace", namespace)
        w.field("visibility_level", level)
        w.field("path_with_namespace", path)
        w.key("default_branch")
        w.null()
        w.key("ci_config_path")
        w.null()
        w.field("homepage", "\(webBase)/\(path)")
        w.field("url", "git@\(host):\(path).git")
        w.field("ssh_url", "git@\(host):\(path).git")
        w.field("http_url", "\(webBase)/\(path).git")
        w.endObject()
    }

    /// `2024-01-24 16:27:40 UTC`, as GitLab's hook data writes times.
    static func hookTime(_ time: Timestamp) -> String {
        let iso = time.iso8601  // 2024-01-24T16:27:40.123Z
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8)) + " UTC"
    }
}
