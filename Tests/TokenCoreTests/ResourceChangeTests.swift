import Testing
import TokenCore
import TokendTesting

/// Deleting, updating and sharing projects and groups: GitLab's permissions, the cascades, and
/// that a journal replay rebuilds the same state.
struct ResourceChangeTests {
    let f: ManagementFixture
    init() throws { f = try ManagementFixture() }

    /// Runs `body` in a transaction of a copy of the fixture's state; returns it and its changes.
    func change(_ body: (inout StoreState) throws -> Void) rethrows -> (StoreState, [StoreChange]) {
        var state = f.state
        state.beginTransaction()
        try body(&state)
        return (state, state.commit())
    }

    /// A fresh state built from the fixture's records and `changes`, as a restart replays them.
    func replayed(_ changes: [StoreChange]) -> StoreState {
        var state = StoreState()
        for user in f.state.allUsers() { state.apply(.putUser(user)) }
        for group in f.state.resources.allGroups() { state.apply(.putGroup(group)) }
        for project in f.state.resources.allProjects() { state.apply(.putProject(project)) }
        for membership in f.state.resources.allMemberships() { state.apply(.putMembership(membership)) }
        for change in changes { state.apply(change) }
        return state
    }

    @Test func deletingAGroupTakesItsSubgroupsProjectsMembersAndBots() throws {
        let token = AccessToken(id: TokenID(1), userID: f.bot.id, name: "ci", scopes: ["api"], expiresAt: nil, createdAt: f.now, digest: .test("bot"))
        let (state, changes) = try change { state in
            state.put(token)
            try ResourceRemoval.deleteGroup(GroupID(1), by: f.caller(f.alice), at: f.now, in: &state)
        }
        #expect(state.resources.group(GroupID(1)) == nil && state.resources.group(GroupID(2)) == nil)
        #expect(state.resources.project(ProjectID(3)) == nil)
        #expect(state.resources.resource(atPath: "top/sub/app") == nil && state.resources.resource(atPath: "top") == nil)
        #expect(state.user(f.bot.id) == nil, "the project's bot is deleted")
        #expect(state.token(TokenID(1))?.revoked == true, "and its token revoked")
        #expect(state.resources.memberships(of: f.alice.id).map(\.resource) == [.group(GroupID(3)), .group(GroupID(4)), .project(ProjectID(1))])
        #expect(state.resources.group(GroupID(3)) != nil, "the invited group stays")
        #expect(changes.contains(.deleteGroup(GroupID(2))) && changes.contains(.deleteProject(ProjectID(3))))
        let replay = replayed(changes)
        #expect(replay.resources.allGroups() == state.resources.allGroups())
        #expect(replay.resources.allMemberships() == state.resources.allMemberships())
    }

    @Test func deletingTheInvitedGroupEndsItsShares() throws {
        let (state, _) = try change { state in
            try ResourceRemoval.deleteGroup(GroupID(3), by: nil, at: f.now, in: &state)
        }
        #expect(state.resources.group(GroupID(1))?.sharedWith == [])
        #expect(AccessPolicy.accessLevel(of: f.bob.id, in: .group(GroupID(1)), state: state, now: f.now) == nil)
    }

    @Test func onlyOwnersAndAdminsDelete() throws {
        var state = f.state
        state.beginTransaction()
        _ = try ResourceDirectory.addMember(f.carol.id, to: .project(ProjectID(3)), accessLevel: 40, expiresAt: nil, by: nil, at: f.now, in: &state)
        #expect(throws: ResourceDirectory.Failure.forbidden) {
            try ResourceRemoval.deleteProject(ProjectID(3), by: f.caller(f.carol), at: f.now, in: &state)
        }
        #expect(throws: ResourceDirectory.Failure.forbidden) {
            try ResourceRemoval.deleteGroup(GroupID(1), by: f.caller(f.bob), at: f.now, in: &state)
        }
        try ResourceRemoval.deleteProject(ProjectID(2), by: f.caller(f.root), at: f.now, in: &state)
        #expect(state.resources.project(ProjectID(2)) == nil)
        state.rollback()
        #expect(state.resources.project(ProjectID(2)) != nil)
    }

    @Test func aRollbackRestoresADeletedGroupAndItsPaths() throws {
        var state = f.state
        state.beginTransaction()
        try ResourceRemoval.deleteGroup(GroupID(1), by: nil, at: f.now, in: &state)
        state.rollback()
        #expect(state.resources.allGroups() == f.state.resources.allGroups())
        #expect(state.resources.resource(atPath: "top/sub/app") == .project(ProjectID(3)))
        #expect(state.user(f.bot.id) != nil)
    }

    @Test func aNewGroupPathMovesEveryDescendant() throws {
        let (state, changes) = try change { state in
            _ = try ResourceDirectory.updateGroup(GroupID(1), .init(path: "summit"), by: f.caller(f.alice), at: f.now, in: &state)
        }
        #expect(state.resources.resource(atPath: "summit/sub/app") == .project(ProjectID(3)))
        #expect(state.resources.resource(atPath: "top/sub/app") == nil && state.resources.resource(atPath: "top") == nil)
        #expect(replayed(changes).resources.resource(atPath: "summit/sub/app") == .project(ProjectID(3)))
    }

    @Test func updatesFollowGitLabsRules() throws {
        var state = f.state
        state.beginTransaction()
        #expect(throws: ResourceDirectory.Failure.invalid([
            FieldError("visibility_level", "private is not allowed since there are sub-groups with higher visibility.")
        ])) { try ResourceDirectory.updateGroup(GroupID(1), .init(visibility: .private), by: nil, at: f.now, in: &state) }
        // GitLab's wording, article included.
        #expect(throws: ResourceDirectory.Failure.invalid([FieldError("visibility_level", "public is not allowed in a internal group.")])) {
            try ResourceDirectory.updateProject(ProjectID(3), .init(visibility: .public), by: nil, at: f.now, in: &state)
        }
        #expect(throws: ResourceDirectory.Failure.invalid([FieldError("path", "has already been taken")])) {
            try ResourceDirectory.updateGroup(GroupID(4), .init(path: "alice"), by: nil, at: f.now, in: &state)
        }
        #expect(throws: ResourceDirectory.Failure.invalid([FieldError.tooLong("description", maximum: FieldLimits.groupDescription)])) {
            try ResourceDirectory.updateGroup(GroupID(4), .init(description: String(repeating: "d", count: 501)), by: nil, at: f.now, in: &state)
        }
        // A project's Maintainer may describe it, not rename it or change who sees it.
        _ = try ResourceDirectory.addMember(f.carol.id, to: .project(ProjectID(3)), accessLevel: 40, expiresAt: nil, by: nil, at: f.now, in: &state)
        let carol = f.caller(f.carol)
        #expect(try ResourceDirectory.updateProject(ProjectID(3), .init(description: "d"), by: carol, at: f.now, in: &state).description == "d")
        #expect(throws: ResourceDirectory.Failure.forbidden) {
            try ResourceDirectory.updateProject(ProjectID(3), .init(name: "New"), by: carol, at: f.now, in: &state)
        }
        #expect(throws: ResourceDirectory.Failure.forbidden) {
            try ResourceDirectory.updateGroup(GroupID(1), .init(description: "x"), by: f.caller(f.bob), at: f.now, in: &state)
        }
    }

    @Test func sharing() throws {
        var state = f.state
        state.beginTransaction()
        #expect(throws: GroupSharing.Failure.alreadyShared) {
            try GroupSharing.share(GroupID(1), with: GroupID(3), accessLevel: .guest, expiresAt: nil, by: nil, at: f.now, in: &state)
        }
        #expect(throws: GroupSharing.Failure.notPermitted) {
            try GroupSharing.share(GroupID(4), with: GroupID(3), accessLevel: .guest, expiresAt: nil, by: f.caller(f.bob), at: f.now, in: &state)
        }
        // Refused quietly, as GitLab's destroy service: nothing changes.
        try GroupSharing.unshare(GroupID(1), from: GroupID(3), by: f.caller(f.bob), at: f.now, in: &state)
        #expect(state.resources.group(GroupID(1))?.sharedWith.count == 1)
        try GroupSharing.unshare(GroupID(1), from: GroupID(3), by: f.caller(f.alice), at: f.now, in: &state)
        #expect(state.resources.group(GroupID(1))?.sharedWith == [])
        #expect(throws: GroupSharing.Failure.linkNotFound) {
            try GroupSharing.unshare(GroupID(1), from: GroupID(3), by: nil, at: f.now, in: &state)
        }
    }
}
