import HTTPTypes
import JSON
import TokenCore

/// `GET /personal_access_tokens/self/associations`: the groups and projects the token's user
/// has access to (directly, through ancestor groups, or as owner of their namespace), each list
/// paginated on its own with the same `page`/`per_page`.
enum TokenAssociations {
    @Sendable static func respond(_ context: AuthenticatedContext) throws -> APIResponse {
        var reader = context.reader()
        let minimum = reader.accessLevel("min_access_level", allowed: AccessLevel.allCases) ?? .noAccess
        let pagination = Pagination(&reader)
        try reader.check()
        let user = context.token.userID
        let now = context.now
        let webBase = context.webBase
        return try context.read { state -> APIResponse in
            let entity = ResourceEntity(state: state, webBase: webBase)
            var groups: [(Group, AccessLevel)] = []
            for group in state.resources.allGroups() {
                if let level = AccessPolicy.accessLevel(of: user, in: .group(group.id), state: state, now: now), level >= minimum {
                    groups.append((group, level))
                }
            }
            var projects: [(Project, (project: AccessLevel?, group: AccessLevel?))] = []
            for project in state.resources.allProjects() {
                let levels = AccessPolicy.projectLevels(of: user, in: project.id, state: state, now: now)
                if let level = [levels.project, levels.group].compactMap({ $0 }).max(), level >= minimum {
                    projects.append((project, levels))
                }
            }
            var w = JSONWriter()
            w.beginObject()
            w.key("groups")
            w.beginArray()
            for (group, level) in pagination.slice(groups) {
                w.beginObject()
                w.field("id", group.id.rawValue)
                w.field("web_url", webBase + "/groups/" + entity.fullPath(.group(group.id)))
                w.field("name", group.name)
                w.field("parent_id", group.parentID?.rawValue)
                w.field("organization_id", 1)
                w.field("access_levels", level.rawValue)
                w.field("visibility", group.visibility.rawValue)
                w.endObject()
            }
            w.endArray()
            w.key("projects")
            w.beginArray()
            for (project, levels) in pagination.slice(projects) {
                w.beginObject()
                entity.writeProjectBasics(project, into: &w)
                w.key("access_levels")
                w.beginObject()
                w.field("project_access_level", levels.project?.rawValue)
                w.field("group_access_level", levels.group?.rawValue)
                w.endObject()
                w.field("visibility", project.visibility.rawValue)
                w.field("web_url", webBase + "/" + entity.fullPath(.project(project.id)))
                w.key("namespace")
                entity.write(project.namespace, into: &w)
                w.endObject()
            }
            w.endArray()
            w.endObject()
            return .json(.ok, w)
        }
    }
}
