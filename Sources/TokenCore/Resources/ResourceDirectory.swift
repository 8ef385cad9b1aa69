/// Creating groups and projects and managing their members inside a store transaction, with
/// GitLab's rules; shared by the API and the offline CLI. A nil ``Caller`` is the operator at
/// the console (the CLI), who may do anything.
public enum ResourceDirectory {
    public enum Failure: Error, Hashable, Sendable {
        /// Model errors (GitLab renders them as `{"message":{"field":["msg"]}}`).
        case invalid([FieldError])
        case forbidden
        /// The named thing (`Namespace`, `User`, `Group`) does not exist or cannot be seen.
        case notFound(String)
        case memberExists
        case memberNotFound
    }

    public struct NewGroup: Hashable, Sendable {
        public var name: String
        public var path: String
        public var parentID: GroupID?
        public var visibility: Visibility
        public var description: String

        public init(name: String, path: String, parentID: GroupID? = nil, visibility: Visibility = .private, description: String = "") {
            self.name = name
            self.path = path
            self.parentID = parentID
            self.visibility = visibility
            self.description = description
        }
    }

    public struct NewProject: Hashable, Sendable {
        public var name: String?
        public var path: String?
        /// nil: a personal namespace, ``ownerID``'s.
        public var groupID: GroupID?
        /// Whose personal namespace (nil: the creator's).
        public var ownerID: UserID?
        public var visibility: Visibility
        public var description: String?
        public var settings: ProjectSettings

        public init(
            name: String?, path: String?, groupID: GroupID? = nil, ownerID: UserID? = nil, visibility: Visibility = .private,
            description: String? = nil, settings: ProjectSettings = ProjectSettings()
        ) {
            self.settings = settings
            self.ownerID = ownerID
            self.name = name
            self.path = path
            self.groupID = groupID
            self.visibility = visibility
            self.description = description
        }
    }

    /// The most ancestors a group may have: GitLab's `Namespace::NUMBER_OF_ANCESTORS_ALLOWED`,
    /// checked when a subgroup is created. It bounds a full path to 21 segments.
    public static let maximumAncestors = 20

    static let pathMessage = "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or end in '.atom'"

    /// A new group; its creator becomes its Owner. Subgroups need Maintainer in the parent.
    public static func createGroup(_ new: NewGroup, by caller: Caller?, at now: Timestamp, in state: inout StoreState) throws(Failure) -> Group {
        var errors: [FieldError] = []
        if new.name.allSatisfy(\.isWhitespace) { errors.append(FieldError("name", "can't be blank")) }
        errors += [
            FieldError.length("name", new.name, maximum: FieldLimits.groupName),
            FieldError.length("path", new.path, maximum: FieldLimits.groupPath),
        ].compactMap { $0 }
        if !isValidPath(new.path) { errors.append(FieldError("path", pathMessage)) }
        if let error = FieldError.length("description", new.description, maximum: FieldLimits.groupDescription) {
            errors.append(error)
        }
        var fullPath = new.path
        if let parent = new.parentID {
            guard state.resources.group(parent) != nil,
                caller.map({ AccessPolicy.canRead(.group(parent), by: $0, state: state, now: now) }) ?? true
            else { throw .notFound("Group") }
            if let caller, !AccessPolicy.canCreate(in: parent, by: caller, state: state, now: now) { throw .forbidden }
            fullPath = (state.resources.fullPath(of: .group(parent)) ?? "") + "/" + new.path
            // The parent and its ancestors are the new group's ancestors.
            if state.resources.lineage(of: parent).count > maximumAncestors {
                errors.append(FieldError("parent_id", "has too deep level of nesting"))
            }
            if let parentGroup = state.resources.group(parent), new.visibility.rank > parentGroup.visibility.rank {
                errors.append(FieldError(
                    "visibility_level", "\(new.visibility.rawValue) is not allowed since the parent group has a \(parentGroup.visibility.rawValue) visibility."))
            }
        } else if state.user(username: new.path) != nil {
            errors.append(FieldError("path", "has already been taken"))
        }
        if errors.isEmpty, state.resources.resource(atPath: fullPath) != nil {
            errors.append(FieldError("path", "has already been taken"))
        }
        guard errors.isEmpty else { throw .invalid(errors) }
        let group = Group(
            id: state.allocateGroupID(), name: new.name, path: new.path, description: new.description,
            parentID: new.parentID, visibility: new.visibility, createdAt: now)
        state.put(group)
        if let caller {
            state.put(Membership(resource: .group(group.id), userID: caller.user.id, accessLevel: .owner, createdAt: now, createdBy: caller.user.id))
        }
        return group
    }

    /// A new project in a group (Maintainer and up) or in the creator's personal namespace.
    /// The CLI (no caller) must name a group.
    public static func createProject(_ new: NewProject, by caller: Caller?, at now: Timestamp, in state: inout StoreState) throws(Failure) -> Project {
        let name = new.name ?? new.path ?? ""
        let path = new.path ?? slug(name)
        var errors: [FieldError] = []
        if name.allSatisfy(\.isWhitespace) { errors.append(FieldError("name", "can't be blank")) }
        errors += [
            FieldError.length("name", name, maximum: FieldLimits.projectName),
            FieldError.length("path", path, maximum: FieldLimits.projectPath),
        ].compactMap { $0 }
        if !isValidPath(path) { errors.append(FieldError("path", pathMessage)) }
        if let error = FieldError.length("description", new.description, maximum: FieldLimits.projectDescription) {
            errors.append(error)
        }
        let namespace: Namespace
        let namespacePath: String
        if let groupID = new.groupID {
            guard state.resources.group(groupID) != nil,
                caller.map({ AccessPolicy.canRead(.group(groupID), by: $0, state: state, now: now) }) ?? true
            else { throw .notFound("Namespace") }
            if let caller, !AccessPolicy.canCreate(in: groupID, by: caller, state: state, now: now) { throw .forbidden }
            if let group = state.resources.group(groupID), new.visibility.rank > group.visibility.rank {
                errors.append(FieldError("visibility_level", "\(new.visibility.rawValue) is not allowed in a \(group.visibility.rawValue) group."))
            }
            namespace = .group(groupID)
            namespacePath = state.resources.fullPath(of: .group(groupID)) ?? ""
        } else {
            // Another user's personal namespace is only an admin's to create in.
            guard let ownerID = new.ownerID ?? caller?.user.id, let owner = state.user(ownerID),
                caller.map({ $0.isAdmin || $0.user.id == ownerID }) ?? true
            else { throw .notFound("Namespace") }
            namespace = .user(ownerID)
            namespacePath = owner.username
        }
        if errors.isEmpty, state.resources.resource(atPath: namespacePath + "/" + path) != nil {
            errors.append(FieldError("path", "has already been taken"))
        }
        if errors.isEmpty, state.resources.projects.values.contains(where: { $0.namespace == namespace && $0.name.lowercased() == name.lowercased() }) {
            errors.append(FieldError("name", "has already been taken"))
        }
        guard errors.isEmpty else { throw .invalid(errors) }
        let project = Project(
            id: state.allocateProjectID(), name: name, path: path, description: new.description, namespace: namespace,
            visibility: new.visibility, createdAt: now, settings: new.settings)
        state.put(project)
        if case .user(let owner) = namespace {
            state.put(Membership(resource: .project(project.id), userID: owner, accessLevel: .owner, createdAt: now, createdBy: owner))
        }
        return project
    }

    /// Adds a direct member. Administrators of the resource may add members up to their own
    /// level (only Owners grant Owner). `accessLevel` is the integer the client sent; it is
    /// validated in GitLab's order, after the membership and the user.
    public static func addMember(
        _ userID: UserID, to resource: Resource, accessLevel: Int, expiresAt: CivilDate?, by caller: Caller?,
        at now: Timestamp, in state: inout StoreState
    ) throws(Failure) -> Membership {
        try requireAdministration(resource, by: caller, state: state, now: now)
        if state.resources.membership(resource, userID) != nil { throw .memberExists }
        guard let user = state.user(userID) else { throw .notFound("User") }
        let level = try checkLevel(accessLevel, resource: resource, by: caller, state: state, now: now)
        // A bot has exactly one membership, ever: its own resource's (GitLab's uniqueness rule on
        // `user_id` for project bots). Letting one in elsewhere would hand its tokens over.
        if user.isBot, user.botResource != resource || !state.resources.memberships(of: userID).isEmpty {
            throw .invalid([FieldError("user_id", "project bots cannot be added to other groups / projects")])
        }
        let membership = Membership(
            resource: resource, userID: userID, accessLevel: level, expiresAt: expiresAt, createdAt: now,
            createdBy: caller?.user.id)
        state.put(membership)
        return membership
    }

    public static func updateMember(
        _ userID: UserID, of resource: Resource, accessLevel: Int, expiresAt: CivilDate??, by caller: Caller?,
        at now: Timestamp, in state: inout StoreState
    ) throws(Failure) -> Membership {
        try requireAdministration(resource, by: caller, state: state, now: now)
        guard var membership = state.resources.membership(resource, userID) else { throw .memberNotFound }
        let level = try checkLevel(accessLevel, resource: resource, by: caller, state: state, now: now)
        if let caller, !caller.isAdmin, membership.accessLevel == .owner,
            (AccessPolicy.accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess) < .owner
        {
            throw .forbidden
        }
        try keepAnOwner(resource, changing: membership, to: level, state: state)
        membership.accessLevel = level
        if let expiresAt { membership.expiresAt = expiresAt }
        state.put(membership)
        return membership
    }

    /// Removes a direct member. Members may leave on their own; a group keeps its last Owner.
    public static func removeMember(_ userID: UserID, from resource: Resource, by caller: Caller?, at now: Timestamp, in state: inout StoreState) throws(Failure) {
        guard let membership = state.resources.membership(resource, userID) else { throw .memberNotFound }
        if let caller, caller.user.id != userID {
            try requireAdministration(resource, by: caller, state: state, now: now)
            if !caller.isAdmin, membership.accessLevel > (AccessPolicy.accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess) {
                throw .forbidden
            }
        }
        try keepAnOwner(resource, changing: membership, to: nil, state: state)
        state.deleteMembership(membership.key)
    }

    // MARK: Rules

    private static func requireAdministration(_ resource: Resource, by caller: Caller?, state: borrowing StoreState, now: Timestamp) throws(Failure) {
        guard let caller else { return }
        if !AccessPolicy.canAdminister(resource, by: caller, state: state, now: now) { throw .forbidden }
    }

    /// The member level a client asked for, if it is one and the caller may grant it.
    private static func checkLevel(
        _ requested: Int, resource: Resource, by caller: Caller?, state: borrowing StoreState, now: Timestamp
    ) throws(Failure) -> AccessLevel {
        guard let level = AccessLevel(memberLevel: requested) else {
            throw .invalid([FieldError("access_level", "is not included in the list")])
        }
        guard let caller, !caller.isAdmin else { return level }
        if level > (AccessPolicy.accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess) { throw .forbidden }
        return level
    }

    /// A group must keep at least one human Owner.
    private static func keepAnOwner(_ resource: Resource, changing membership: Membership, to level: AccessLevel?, state: borrowing StoreState) throws(Failure) {
        guard case .group = resource, membership.accessLevel == .owner, level != .owner else { return }
        let owners = state.resources.members(of: resource).filter { member in
            member.accessLevel == .owner && state.user(member.userID)?.isBot == false
        }
        if owners.count <= 1, owners.first?.userID == membership.userID { throw .forbidden }
    }

    /// GitLab's path rule for groups and projects (its length is checked on its own).
    public static func isValidPath(_ path: String) -> Bool {
        guard UserRules.hasValidUsernameCharacters(path), !path.hasSuffix(".git"), !path.hasSuffix(".atom"), !path.hasSuffix(".") else { return false }
        return true
    }

    /// `My Project` → `my-project`, as GitLab derives a path from a name.
    public static func slug(_ name: String) -> String {
        var result = ""
        for character in name.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == ".") {
                result.append(character)
            } else if !result.hasSuffix("-") {
                result.append("-")
            }
        }
        while result.hasPrefix("-") || result.hasPrefix(".") { result.removeFirst() }
        while result.hasSuffix("-") || result.hasSuffix(".") { result.removeLast() }
        return result
    }
}
