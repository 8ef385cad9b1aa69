import HTTPTypes
import JSON
import TokenCore

/// GitLab's group, project, namespace and member entities (the fields clients read).
///
/// Holds a copy of the state: create it inside a `read`/`write` closure and never let it (or
/// the state) escape, or the store's next write copies every index (copy-on-write).
struct ResourceEntity {
    let state: StoreState
    let webBase: String

    func groupFullName(_ id: GroupID) -> String {
        state.resources.lineage(of: id).reversed().map(\.name).joined(separator: " / ")
    }

    func fullPath(_ resource: Resource) -> String { state.resources.fullPath(of: resource) ?? "" }

    func write(_ group: Group, into w: inout JSONWriter) {
        w.beginObject()
        writeFields(of: group, into: &w)
        w.endObject()
    }

    /// The `Group` entity's fields, for it and the entities built on it.
    func writeFields(of group: Group, into w: inout JSONWriter) {
        w.field("id", group.id.rawValue)
        w.field("web_url", webBase + "/groups/" + fullPath(.group(group.id)))
        w.field("name", group.name)
        w.field("path", group.path)
        w.field("description", group.description)
        w.field("visibility", group.visibility.rawValue)
        w.field("share_with_group_lock", false)
        w.field("require_two_factor_authentication", false)
        w.field("project_creation_level", "maintainer")
        w.field("subgroup_creation_level", "maintainer")
        w.field("lfs_enabled", true)
        w.field("avatar_url", nil as String?)
        w.field("request_access_enabled", false)
        w.field("full_name", groupFullName(group.id))
        w.field("full_path", fullPath(.group(group.id)))
        w.field("created_at", group.createdAt.iso8601)
        w.field("parent_id", group.parentID?.rawValue)
        w.field("organization_id", 1)
    }

    /// The group or project entity of a stored resource.
    func write(_ resource: Resource, into w: inout JSONWriter) {
        switch resource {
        case .group(let id): if let group = state.resources.group(id) { write(group, into: &w) }
        case .project(let id): if let project = state.resources.project(id) { write(project, into: &w) }
        }
    }

    /// `NamespaceBasic`, as a project shows its namespace.
    func write(_ namespace: Namespace, into w: inout JSONWriter) {
        w.beginObject()
        writeFields(of: namespace, into: &w)
        w.endObject()
    }

    func writeFields(of namespace: Namespace, into w: inout JSONWriter) {
        w.field("id", namespace.apiID)
        switch namespace {
        case .group(let id):
            let group = state.resources.group(id)
            let path = fullPath(.group(id))
            w.field("name", group?.name ?? "")
            w.field("path", group?.path ?? "")
            w.field("kind", "group")
            w.field("full_path", path)
            w.field("parent_id", group?.parentID?.rawValue)
            w.field("avatar_url", nil as String?)
            w.field("web_url", webBase + "/groups/" + path)
        case .user(let id):
            let user = state.user(id)
            w.field("name", user?.name ?? "")
            w.field("path", user?.username ?? "")
            w.field("kind", "user")
            w.field("full_path", user?.username ?? "")
            w.field("parent_id", nil as Int?)
            w.field("avatar_url", nil as String?)
            w.field("web_url", webBase + "/" + (user?.username ?? ""))
        }
    }

    func nameWithNamespace(_ project: Project) -> String {
        switch project.namespace {
        case .group(let id): return groupFullName(id) + " / " + project.name
        case .user(let id): return (state.user(id)?.name ?? "") + " / " + project.name
        }
    }

    /// The project fields shared by the Projects API and the associations list.
    func writeProjectBasics(_ project: Project, into w: inout JSONWriter) {
        let path = fullPath(.project(project.id))
        w.field("id", project.id.rawValue)
        w.field("description", project.description)
        w.field("name", project.name)
        w.field("name_with_namespace", nameWithNamespace(project))
        w.field("path", project.path)
        w.field("path_with_namespace", path)
        w.field("created_at", project.createdAt.iso8601)
    }

    func write(_ project: Project, into w: inout JSONWriter) {
        w.beginObject()
        writeBasicProjectDetails(project, into: &w)
        w.field("visibility", project.visibility.rawValue)
        w.field("archived", false)
        w.field("empty_repo", true)
        writeSettings(of: project, into: &w)
        w.endObject()
    }

    /// The fields of GitLab's `BasicProjectDetails`, which `Project` continues: what
    /// `GET /projects?simple=true` lists, in GitLab's order.
    func writeBasicProjectDetails(_ project: Project, into w: inout JSONWriter) {
        let path = fullPath(.project(project.id))
        writeProjectBasics(project, into: &w)
        w.field("default_branch", nil as String?)
        w.field("tag_list", [String]())
        w.field("topics", [String]())
        w.field("web_url", webBase + "/" + path)
        w.field("readme_url", nil as String?)
        w.field("forks_count", 0)
        w.field("avatar_url", nil as String?)
        w.field("star_count", 0)
        w.field("last_activity_at", project.createdAt.iso8601)
        w.key("namespace")
        write(project.namespace, into: &w)
    }

    func write(_ membership: Membership, into w: inout JSONWriter) {
        let user = state.user(membership.userID)
        w.beginObject()
        w.field("id", membership.userID.rawValue)
        w.field("username", user?.username ?? "")
        w.field("name", user?.name ?? "")
        w.field("state", user?.state.rawValue ?? "active")
        w.field("locked", false)
        w.field("avatar_url", nil as String?)
        w.field("web_url", webBase + "/" + (user?.username ?? ""))
        w.field("access_level", membership.accessLevel.rawValue)
        w.field("created_at", membership.createdAt.iso8601)
        if let creator = membership.createdBy.flatMap({ state.user($0) }) {
            w.key("created_by")
            UserEntity.write(creator, .basic, webBase: webBase, into: &w)
        }
        w.field("expires_at", membership.expiresAt?.iso8601)
        w.field("membership_state", "active")
        w.endObject()
    }
}
