/// Deleting projects and groups inside a store transaction, as GitLab's destroy services do:
/// the resource's bots (their tokens revoked) and members go with it, and a group takes its
/// subgroups and their projects along. Shares with a deleted group are removed from the groups
/// that made them. A nil ``Caller`` is the operator at the console.
public enum ResourceRemoval {
    /// `DELETE /projects/:id`: the project's Owners (Owners of its group included) and admins.
    public static func deleteProject(_ id: ProjectID, by caller: Caller?, at now: Timestamp, in state: inout StoreState) throws(ResourceDirectory.Failure) {
        try requireOwner(.project(id), by: caller, state: state, now: now)
        var cascade = Cascade(state: state)
        cascade.removeProject(id, at: now, in: &state)
    }

    /// `DELETE /groups/:id`: the group's Owners (of an ancestor included) and admins.
    public static func deleteGroup(_ id: GroupID, by caller: Caller?, at now: Timestamp, in state: inout StoreState) throws(ResourceDirectory.Failure) {
        try requireOwner(.group(id), by: caller, state: state, now: now)
        let resources = state.resources
        let doomed = ResourceIndex.subtree(of: id, children: resources.childGroups())
        let removed = Set(doomed)
        var cascade = Cascade(state: state)
        for project in resources.allProjects() {
            if case .group(let owner) = project.namespace, removed.contains(owner) { cascade.removeProject(project.id, at: now, in: &state) }
        }
        for group in doomed.reversed() {
            cascade.removeMembersAndBots(of: .group(group), at: now, in: &state)
            cascade.removeHooksAndDeployTokens(of: .group(group), in: &state)
            state.deleteGroup(group)
        }
        for var group in state.resources.allGroups() where group.sharedWith.contains(where: { removed.contains($0.groupID) }) {
            group.sharedWith.removeAll { removed.contains($0.groupID) }
            state.put(group)
        }
    }

    /// One deletion's cascade: which users' personal projects go with them, looked up once, so
    /// deleting N bots does not scan every project N times.
    struct Cascade {
        private var personalProjects: [UserID: [ProjectID]] = [:]

        init(state: borrowing StoreState) {
            for project in state.resources.projects.values {
                if case .user(let owner) = project.namespace { personalProjects[owner, default: []].append(project.id) }
            }
        }

        /// Removes a project with its members and bots; no permission check.
        mutating func removeProject(_ id: ProjectID, at now: Timestamp, in state: inout StoreState) {
            removeMembersAndBots(of: .project(id), at: now, in: &state)
            removeHooksAndDeployTokens(of: .project(id), in: &state)
            state.deleteProject(id)
        }

        /// The resource's webhooks, with what the notifier remembers of them, and its deploy
        /// tokens (GitLab's foreign keys cascade).
        func removeHooksAndDeployTokens(of resource: Resource, in state: inout StoreState) {
            for hook in state.webhooks.hooks(of: resource) { state.deleteHook(hook.id) }
            state.deleteDeployTokens(of: resource)
        }

        /// Deletes the resource's own bots and every other membership of it.
        mutating func removeMembersAndBots(of resource: Resource, at now: Timestamp, in state: inout StoreState) {
            for member in state.resources.members(of: resource) {
                if state.user(member.userID)?.botResource == resource {
                    removeUser(member.userID, at: now, in: &state)
                } else {
                    state.deleteMembership(member.key)
                }
            }
        }

        /// A user's personal projects (their bots included), memberships and the user; their
        /// tokens are revoked, so they can never authenticate again.
        mutating func removeUser(_ id: UserID, at now: Timestamp, in state: inout StoreState) {
            for project in (personalProjects.removeValue(forKey: id) ?? []).sorted() { removeProject(project, at: now, in: &state) }
            for membership in state.resources.memberships(of: id) { state.deleteMembership(membership.key) }
            for token in state.tokens(ownedBy: id) where !token.revoked {
                var revoked = token
                revoked.revoked = true
                revoked.updatedAt = now
                state.put(revoked)
            }
            state.deleteUser(id)
        }
    }

    /// `remove_project`/`remove_group`: Owner level (a project's Owner, or an Owner of its
    /// group), or an administrator.
    private static func requireOwner(_ resource: Resource, by caller: Caller?, state: borrowing StoreState, now: Timestamp) throws(ResourceDirectory.Failure) {
        guard let caller, !caller.isAdmin else { return }
        if (AccessPolicy.accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess) < .owner { throw .forbidden }
    }
}
