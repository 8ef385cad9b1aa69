import Testing
import TokenCore

/// GitLab's permission rules as pure functions: inheritance down the group tree, membership
/// expiry by the injected clock, visibility, and who administers what.
struct AccessPolicyTests {
    let now = Timestamp(iso8601: "2026-06-15T12:00:00Z")!
    var state = StoreState()
    let alice: User
    let bob: User
    let bot: User

    init() throws {
        alice = User(id: UserID(1), username: "alice", name: "Alice", email: "a@x", createdAt: now)
        bob = User(id: UserID(2), username: "bob", name: "Bob", email: "b@x", createdAt: now)
        bot = User(id: UserID(3), username: "project_1_bot_x", name: "ci", email: "c@x", isBot: true, createdAt: now)
        state.beginTransaction()
        for user in [alice, bob, bot] { state.put(user) }
        let owner = Caller(user: alice, isAdmin: false)
        let top = try ResourceDirectory.createGroup(.init(name: "Top", path: "top"), by: owner, at: now, in: &state)
        let sub = try ResourceDirectory.createGroup(.init(name: "Sub", path: "sub", parentID: top.id), by: owner, at: now, in: &state)
        _ = try ResourceDirectory.createProject(.init(name: "P", path: "p", groupID: sub.id), by: owner, at: now, in: &state)
        state.commit()
    }

    @Test func levelsAreInheritedDownTheTree() throws {
        #expect(AccessPolicy.accessLevel(of: alice.id, in: .project(ProjectID(1)), state: state, now: now) == .owner)
        #expect(AccessPolicy.projectLevels(of: alice.id, in: ProjectID(1), state: state, now: now).project == nil)
        #expect(state.resources.fullPath(of: .project(ProjectID(1))) == "top/sub/p")
        var state = self.state
        state.put(Membership(resource: .group(GroupID(2)), userID: bob.id, accessLevel: .reporter, createdAt: now))
        state.put(Membership(resource: .project(ProjectID(1)), userID: bob.id, accessLevel: .maintainer, createdAt: now))
        #expect(AccessPolicy.accessLevel(of: bob.id, in: .project(ProjectID(1)), state: state, now: now) == .maintainer)
        #expect(AccessPolicy.accessLevel(of: bob.id, in: .group(GroupID(1)), state: state, now: now) == nil)
        #expect(AccessPolicy.canAdminister(.project(ProjectID(1)), by: Caller(user: bob, isAdmin: false), state: state, now: now))
        #expect(!AccessPolicy.canAdminister(.group(GroupID(2)), by: Caller(user: bob, isAdmin: false), state: state, now: now))
    }

    @Test func anExpiredMembershipGrantsNothing() {
        var state = self.state
        state.put(Membership(resource: .project(ProjectID(1)), userID: bob.id, accessLevel: .developer, expiresAt: CivilDate(year: 2026, month: 6, day: 16), createdAt: now))
        let bobCaller = Caller(user: bob, isAdmin: false)
        #expect(AccessPolicy.canRead(.project(ProjectID(1)), by: bobCaller, state: state, now: now))
        let later = now.adding(minutes: 12 * 60)
        #expect(!AccessPolicy.canRead(.project(ProjectID(1)), by: bobCaller, state: state, now: later))
        #expect(AccessPolicy.canRead(.project(ProjectID(1)), by: Caller(user: bob, isAdmin: true), state: state, now: later))
    }

    @Test func botsAdministerButNeverManageTokens() {
        var state = self.state
        state.put(Membership(resource: .project(ProjectID(1)), userID: bot.id, accessLevel: .maintainer, createdAt: now))
        let caller = Caller(user: bot, isAdmin: false)
        #expect(AccessPolicy.canAdminister(.project(ProjectID(1)), by: caller, state: state, now: now))
        #expect(!AccessPolicy.canManageTokens(.project(ProjectID(1)), by: caller, state: state, now: now))
    }

    @Test func rollbackForgetsResourcesAndTheirPaths() throws {
        var state = self.state
        state.beginTransaction()
        _ = try ResourceDirectory.createGroup(.init(name: "New", path: "new"), by: nil, at: now, in: &state)
        #expect(state.resources.resource(atPath: "new") != nil)
        state.rollback()
        #expect(state.resources.resource(atPath: "new") == nil)
        #expect(state.nextGroupID == 3)
    }

    @Test func pathsFollowGitLabsRules() {
        #expect(ResourceDirectory.slug("My  Great Project!") == "my-great-project")
        #expect(ResourceDirectory.isValidPath("tools.v2"))
        #expect(!ResourceDirectory.isValidPath("repo.git"))
        #expect(!ResourceDirectory.isValidPath("-x"))
        #expect(!ResourceDirectory.isValidPath("a/b"))
    }
}
