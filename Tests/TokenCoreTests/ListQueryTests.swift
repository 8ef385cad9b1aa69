import Testing
import TokenCore

/// GitLab's project, group and user finders as pure rules: who sees what, the filters, and the
/// order, over ``ManagementFixture``.
struct ListQueryTests {
    let f: ManagementFixture
    init() throws { f = try ManagementFixture() }

    func projects(_ query: ProjectQuery = ProjectQuery(), as user: User?) -> [String] {
        query.apply(in: f.state, caller: user.map(f.caller), now: f.now).map { f.state.resources.fullPath(of: .project($0.id))! }
    }

    func groups(_ query: GroupQuery = GroupQuery(), as user: User?) -> [String] {
        query.apply(in: f.state, caller: user.map(f.caller), now: f.now).map { f.state.resources.fullPath(of: .group($0.id))! }
    }

    @Test func projectsAreScopedAsGitLabScopesThem() {
        // Newest first by default; anonymous callers see public projects only.
        #expect(projects(as: nil) == ["alice/home"])
        #expect(projects(as: f.root) == ["top/sub/app", "bob/mine", "alice/home"])
        // bob reaches top/sub/app through the share of `team` with `top`.
        #expect(projects(as: f.bob) == ["top/sub/app", "bob/mine", "alice/home"])
        #expect(projects(as: f.carol) == ["alice/home"])
        var owned = ProjectQuery()
        owned.owned = true
        #expect(projects(owned, as: f.alice) == ["top/sub/app", "alice/home"])
        #expect(projects(owned, as: f.bob) == ["bob/mine"])
        var membership = ProjectQuery()
        membership.membership = true
        #expect(projects(membership, as: f.carol) == [])
        #expect(projects(membership, as: f.root) == [], "an admin's memberships, not everything")
        var level = ProjectQuery()
        level.minAccessLevel = .developer
        #expect(projects(level, as: f.bob) == ["bob/mine"], "a share at Reporter caps bob's Developer")
        level.minAccessLevel = .reporter
        #expect(projects(level, as: f.bob) == ["top/sub/app", "bob/mine"])
        var anonymousOwned = ProjectQuery()
        anonymousOwned.owned = true
        #expect(projects(anonymousOwned, as: nil) == [])
    }

    @Test func projectFiltersAndOrders() {
        var query = ProjectQuery()
        query.visibility = .private
        #expect(projects(query, as: f.root) == ["top/sub/app", "bob/mine"])
        query = ProjectQuery()
        query.search = "APP"
        #expect(projects(query, as: f.root) == ["top/sub/app"])
        query.search = "top"
        #expect(projects(query, as: f.root) == [], "the path of the namespace is not searched")
        query.searchNamespaces = true
        #expect(projects(query, as: f.root) == ["top/sub/app"])
        query = ProjectQuery()
        query.order = .name
        query.ascending = true
        #expect(projects(query, as: f.root) == ["top/sub/app", "alice/home", "bob/mine"])
        query.personalNamespace = f.bob.id
        #expect(projects(query, as: f.root) == ["bob/mine"])
        #expect(projects(query, as: f.carol) == [], "bob's private project is not carol's to see")
        query = ProjectQuery()
        query.starred = true
        #expect(projects(query, as: f.root) == [])
    }

    @Test func groupsAreTheCallersUnlessAllAreAvailable() {
        #expect(groups(as: f.root) == ["top/sub", "team", "top", "vault"], "by name: Sub, Team, Top, Vault")
        #expect(groups(as: nil) == ["top"])
        #expect(groups(as: f.bob) == ["top/sub", "team", "top"], "team directly, top and its subgroup through the share")
        #expect(groups(as: f.carol) == [])
        var all = GroupQuery()
        all.allAvailable = true
        #expect(groups(all, as: f.carol) == ["top/sub", "top"])
        all.allAvailable = false
        #expect(groups(all, as: f.root) == [], "root is a member of nothing")
    }

    @Test func groupFilters() {
        var query = GroupQuery()
        query.topLevelOnly = true
        #expect(groups(query, as: f.root) == ["team", "top", "vault"])
        query = GroupQuery()
        query.skipped = [GroupID(3), GroupID(4)]
        #expect(groups(query, as: f.root) == ["top/sub", "top"])
        query = GroupQuery()
        query.parent = .children(GroupID(1))
        #expect(groups(query, as: f.root) == ["top/sub"])
        query.parent = .descendants(GroupID(1))
        #expect(groups(query, as: f.root) == ["top/sub"])
        query = GroupQuery()
        query.search = "top/sub"
        #expect(groups(query, as: f.root) == ["top/sub"], "the full path is searched")
        query = GroupQuery()
        query.owned = true
        #expect(groups(query, as: f.alice) == ["top/sub", "team", "top", "vault"])
        #expect(groups(query, as: f.bob) == [])
        query = GroupQuery()
        query.minAccessLevel = .developer
        #expect(groups(query, as: f.bob) == ["team"], "a direct membership and its descendants, not shares")
        query = GroupQuery()
        query.order = .id
        query.ascending = false
        #expect(groups(query, as: f.root) == ["vault", "team", "top/sub", "top"])
    }

    @Test func usersForAdministratorsAndOthers() {
        let users = f.state.allUsers()
        func names(_ query: UserQuery, admin: Bool) -> [String] { query.apply(to: users, isAdmin: admin).map(\.username) }
        var query = UserQuery()
        #expect(names(query, admin: true) == ["project_3_bot_abc", "dan", "carol", "bob", "alice", "root"])
        #expect(names(query, admin: false) == ["project_3_bot_abc", "carol", "bob", "alice", "root"], "no blocked users")
        query.blocked = true
        #expect(names(query, admin: true) == ["dan"])
        #expect(names(query, admin: false) == [])
        query = UserQuery()
        query.withoutProjectBots = true
        query.order = .username
        query.ascending = true
        #expect(names(query, admin: true) == ["alice", "bob", "carol", "dan", "root"])
        #expect(names(query, admin: false) == ["carol", "bob", "alice", "root"], "order_by is for administrators")
        query = UserQuery()
        query.createdAfter = f.now.adding(minutes: 3)
        #expect(names(query, admin: true) == ["project_3_bot_abc", "dan", "carol"])
        #expect(names(query, admin: false).count == 5, "created_after is for administrators")
        query = UserQuery()
        query.external = true
        #expect(names(query, admin: true) == [])
    }

    @Test func userSearch() {
        let users = f.state.allUsers()
        func names(_ search: String, admin: Bool) -> [String] {
            var query = UserQuery()
            query.search = search
            return query.apply(to: users, isAdmin: admin).map(\.username)
        }
        #expect(names("@bob", admin: false) == ["bob"])
        #expect(names("build", admin: false) == ["bob"])
        #expect(names("bo", admin: false) == [], "under 3 characters the whole name must match")
        #expect(names("carol@example.com", admin: true) == ["carol"])
        #expect(names("carol@example.com", admin: false) == [], "e-mail addresses are searched for administrators only")
        #expect(names("ali", admin: false) == ["alice"])
        #expect(names("alice", admin: false) == ["alice"])
    }
}
