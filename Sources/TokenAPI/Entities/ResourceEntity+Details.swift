import JSON
import TokenCore

/// The entity variants of the list and management endpoints: `simple` projects, group details
/// with their shares, a user's memberships, and a project's ancestor groups.
extension ResourceEntity {
    /// `BasicProjectDetails` (`GET /projects?simple=true`): the project without visibility and
    /// repository state.
    func writeSimple(_ project: Project, into w: inout JSONWriter) {
        w.beginObject()
        writeBasicProjectDetails(project, into: &w)
        w.endObject()
    }

    /// `GroupDetail`: the group and `shared_with_groups`, the shares whose invited group the
    /// caller may see (nil: anonymous).
    func writeDetail(_ group: Group, caller: Caller?, now: Timestamp, into w: inout JSONWriter) {
        w.beginObject()
        writeFields(of: group, into: &w)
        w.key("shared_with_groups")
        w.beginArray()
        for link in group.sharedWith {
            guard let invited = state.resources.group(link.groupID),
                AccessPolicy.canRead(.group(invited.id), by: caller, state: state, now: now)
            else { continue }
            w.beginObject()
            w.field("group_id", invited.id.rawValue)
            w.field("group_name", invited.name)
            w.field("group_full_path", fullPath(.group(invited.id)))
            w.field("group_access_level", link.accessLevel.rawValue)
            w.field("expires_at", link.expiresAt?.iso8601)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    /// `Membership` (`GET /users/:id/memberships`): the resource a membership is of.
    func writeUserMembership(_ membership: Membership, into w: inout JSONWriter) {
        w.beginObject()
        w.field("source_id", membership.resource.rawID)
        switch membership.resource {
        case .group(let id):
            w.field("source_name", state.resources.group(id)?.name ?? "")
            w.field("source_type", "Namespace")
        case .project(let id):
            w.field("source_name", state.resources.project(id)?.name ?? "")
            w.field("source_type", "Project")
        }
        w.field("access_level", membership.accessLevel.rawValue)
        w.endObject()
    }

    /// `PublicGroupDetails` (`GET /projects/:id/groups`).
    func writePublic(_ group: Group, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", group.id.rawValue)
        w.field("web_url", webBase + "/groups/" + fullPath(.group(group.id)))
        w.field("name", group.name)
        w.field("avatar_url", nil as String?)
        w.field("full_name", groupFullName(group.id))
        w.field("full_path", fullPath(.group(group.id)))
        w.endObject()
    }

    /// What the `Namespace` entity counts, gathered in one pass over the groups and projects for
    /// a whole page (not once per namespace).
    struct NamespaceTotals {
        let children: [GroupID: [GroupID]]
        let projects: [Namespace: Int]

        init(state: borrowing StoreState) {
            children = state.resources.childGroups()
            var projects: [Namespace: Int] = [:]
            for project in state.resources.projects.values { projects[project.namespace, default: 0] += 1 }
            self.projects = projects
        }
    }

    /// The `Namespace` entity (Namespaces API): `NamespaceBasic`, then for a group the caller
    /// administers its members with descendants' and its repository size (0), and for admins
    /// the number of projects.
    func writeDetail(_ namespace: Namespace, caller: Caller, totals: NamespaceTotals, now: Timestamp, into w: inout JSONWriter) {
        w.beginObject()
        writeFields(of: namespace, into: &w)
        if case .group(let id) = namespace, AccessPolicy.canAdminister(.group(id), by: caller, state: state, now: now) {
            let members = NamespaceQuery.membersCountWithDescendants(of: id, children: totals.children, state: state, now: now)
            w.field("members_count_with_descendants", members)
            w.field("root_repository_size", 0)
        }
        if caller.isAdmin { w.field("projects_count", totals.projects[namespace] ?? 0) }
        w.endObject()
    }
}
