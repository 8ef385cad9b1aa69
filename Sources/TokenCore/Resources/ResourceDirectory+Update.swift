/// `PUT /groups/:id` and `PUT /projects/:id`: name, path, description and visibility, with
/// GitLab's permissions and model rules. A new path moves every descendant's full path with it,
/// at the cost of one record: full paths are derived from parents (``ResourceIndex``).
extension ResourceDirectory {
    /// The attributes a client asked to change; nil leaves one as it is.
    public struct Changes: Hashable, Sendable {
        public var name: String?
        public var path: String?
        public var description: String?
        public var visibility: Visibility?
        /// A project's settings to change.
        public var settings = ProjectSettingsChanges()

        public init(name: String? = nil, path: String? = nil, description: String? = nil, visibility: Visibility? = nil) {
            self.name = name
            self.path = path
            self.description = description
            self.visibility = visibility
        }
    }

    /// A group's Owners (`admin_group`) and admins.
    public static func updateGroup(
        _ id: GroupID, _ changes: Changes, by caller: Caller?, at now: Timestamp, in state: inout StoreState
    ) throws(Failure) -> Group {
        guard var group = state.resources.group(id) else { throw .notFound("Group") }
        if let caller, !AccessPolicy.canAdminister(.group(id), by: caller, state: state, now: now) { throw .forbidden }
        var errors: [FieldError] = []
        if let name = changes.name {
            if name.allSatisfy(\.isWhitespace) { errors.append(FieldError("name", "can't be blank")) }
            errors += [FieldError.length("name", name, maximum: FieldLimits.groupName)].compactMap { $0 }
            group.name = name
        }
        if let description = changes.description {
            errors += [FieldError.length("description", description, maximum: FieldLimits.groupDescription)].compactMap { $0 }
            group.description = description
        }
        let resources = state.resources
        if let path = changes.path, path != group.path {
            errors += pathErrors(path, maximum: FieldLimits.groupPath)
            let parentPath = group.parentID.flatMap { resources.fullPath(of: .group($0)) }
            let taken = resources.resource(atPath: parentPath.map { $0 + "/" + path } ?? path)
            if errors.isEmpty, (taken != nil && taken != .group(id)) || (group.parentID == nil && state.user(username: path) != nil) {
                errors.append(FieldError("path", "has already been taken"))
            }
            group.path = path
        }
        if let visibility = changes.visibility, visibility != group.visibility {
            let parent = group.parentID.flatMap { resources.group($0) }
            if let parent, visibility.rank > parent.visibility.rank {
                errors.append(FieldError("visibility_level", "\(visibility.rawValue) is not allowed since the parent group has a \(parent.visibility.rawValue) visibility."))
            }
            if resources.projects.values.contains(where: { $0.namespace == .group(id) && $0.visibility.rank > visibility.rank }) {
                errors.append(FieldError("visibility_level", "\(visibility.rawValue) is not allowed since this group contains projects with higher visibility."))
            }
            if resources.groups.values.contains(where: { $0.parentID == id && $0.visibility.rank > visibility.rank }) {
                errors.append(FieldError("visibility_level", "\(visibility.rawValue) is not allowed since there are sub-groups with higher visibility."))
            }
            group.visibility = visibility
        }
        guard errors.isEmpty else { throw .invalid(errors) }
        // One record changes: descendants find their full path through their parents.
        state.put(group)
        return group
    }

    /// A project's Maintainers (`admin_project`) and admins; a new name or visibility needs its
    /// Owners (`rename_project`, `change_visibility_level`).
    public static func updateProject(
        _ id: ProjectID, _ changes: Changes, by caller: Caller?, at now: Timestamp, in state: inout StoreState
    ) throws(Failure) -> Project {
        guard var project = state.resources.project(id) else { throw .notFound("Project") }
        if let caller, !caller.isAdmin {
            let level = AccessPolicy.accessLevel(of: caller.user.id, in: .project(id), state: state, now: now) ?? .noAccess
            if level < .maintainer || ((changes.name != nil || changes.visibility != nil) && level < .owner) { throw .forbidden }
        }
        let resources = state.resources
        let siblings = resources.projects.values.filter { $0.namespace == project.namespace && $0.id != id }
        var errors: [FieldError] = []
        if let name = changes.name {
            if name.allSatisfy(\.isWhitespace) { errors.append(FieldError("name", "can't be blank")) }
            errors += [FieldError.length("name", name, maximum: FieldLimits.projectName)].compactMap { $0 }
            if errors.isEmpty, siblings.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                errors.append(FieldError("name", "has already been taken"))
            }
            project.name = name
        }
        if let path = changes.path, path != project.path {
            errors += pathErrors(path, maximum: FieldLimits.projectPath)
            if errors.isEmpty, siblings.contains(where: { $0.path.lowercased() == path.lowercased() }) {
                errors.append(FieldError("path", "has already been taken"))
            }
            project.path = path
        }
        if let description = changes.description {
            errors += [FieldError.length("description", description, maximum: FieldLimits.projectDescription)].compactMap { $0 }
            project.description = description
        }
        if let visibility = changes.visibility {
            if case .group(let groupID) = project.namespace, let group = resources.group(groupID), visibility.rank > group.visibility.rank {
                errors.append(FieldError("visibility_level", "\(visibility.rawValue) is not allowed in a \(group.visibility.rawValue) group."))
            }
            project.visibility = visibility
        }
        project.settings = changes.settings.applied(to: project.settings)
        guard errors.isEmpty else { throw .invalid(errors) }
        state.put(project)
        return project
    }

    private static func pathErrors(_ path: String, maximum: Int) -> [FieldError] {
        var errors = [FieldError.length("path", path, maximum: maximum)].compactMap { $0 }
        if path.isEmpty { errors.append(FieldError("path", "can't be blank")) }
        if !isValidPath(path) { errors.append(FieldError("path", pathMessage)) }
        return errors
    }
}

extension Visibility {
    /// private < internal < public, for GitLab's rule that nothing is more visible than its parent.
    var rank: Int {
        switch self {
        case .private: return 0
        case .internal: return 10
        case .public: return 20
        }
    }
}
