import TokenCore

/// A store for the management rules: alice owns `top` (public) with subgroup `top/sub`
/// (internal) and its private project `top/sub/app`; `team` (private) has bob as Developer and is
/// shared with `top` at Reporter; `vault` (private) is alice's alone. alice has a public personal
/// project, bob a private one; carol belongs to nothing; dan is blocked; `top/sub/app` has a bot.
struct ManagementFixture {
    let now = Timestamp(iso8601: "2026-06-15T12:00:00Z")!
    var state = StoreState()
    let root, alice, bob, carol, dan, bot: User

    init() throws {
        root = User(id: UserID(1), username: "root", name: "Administrator", email: "admin@example.com", isAdmin: true, createdAt: now)
        alice = User(id: UserID(2), username: "alice", name: "Alice", email: "alice@example.com", createdAt: now.adding(minutes: 1))
        bob = User(id: UserID(3), username: "bob", name: "Bob Builder", email: "bob@example.com", createdAt: now.adding(minutes: 2))
        carol = User(id: UserID(4), username: "carol", name: "Carol", email: "carol@example.com", createdAt: now.adding(minutes: 3))
        dan = User(id: UserID(5), username: "dan", name: "Dan", email: "dan@example.com", state: .blocked, createdAt: now.adding(minutes: 4))
        bot = User(id: UserID(6), username: "project_3_bot_abc", name: "ci", email: "bot@noreply.example", botResource: .project(ProjectID(3)),
                   createdAt: now.adding(minutes: 5))
        state.beginTransaction()
        for user in [root, alice, bob, carol, dan, bot] { state.put(user) }
        let owner = Caller(user: alice, isAdmin: false)
        let top = try ResourceDirectory.createGroup(.init(name: "Top", path: "top", visibility: .public), by: owner, at: now, in: &state)
        let sub = try ResourceDirectory.createGroup(
            .init(name: "Sub", path: "sub", parentID: top.id, visibility: .internal), by: owner, at: now, in: &state)
        let team = try ResourceDirectory.createGroup(.init(name: "Team", path: "team"), by: owner, at: now, in: &state)
        _ = try ResourceDirectory.createGroup(.init(name: "Vault", path: "vault"), by: owner, at: now, in: &state)
        _ = try ResourceDirectory.createProject(.init(name: "Home", path: nil, visibility: .public), by: owner, at: now, in: &state)
        _ = try ResourceDirectory.createProject(.init(name: "Mine", path: nil), by: Caller(user: bob, isAdmin: false), at: now, in: &state)
        _ = try ResourceDirectory.createProject(.init(name: "App", path: "app", groupID: sub.id), by: owner, at: now, in: &state)
        _ = try ResourceDirectory.addMember(bob.id, to: .group(team.id), accessLevel: 30, expiresAt: nil, by: owner, at: now, in: &state)
        _ = try GroupSharing.share(top.id, with: team.id, accessLevel: .reporter, expiresAt: nil, by: owner, at: now, in: &state)
        state.put(Membership(resource: .project(ProjectID(3)), userID: bot.id, accessLevel: .maintainer, createdAt: now))
        state.commit()
    }

    func caller(_ user: User) -> Caller { Caller(user: user, isAdmin: user.isAdmin) }

    /// Group and project ids by full path.
    func id(_ path: String) -> Resource { state.resources.resource(atPath: path)! }
}
