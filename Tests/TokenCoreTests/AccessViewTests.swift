import Testing
import TokenCore

/// The one-pass ``AccessView`` agrees with ``AccessPolicy`` everywhere, shares included.
struct AccessViewTests {
    @Test func agreesWithThePolicyForEveryUserAndResource() throws {
        var f = try ManagementFixture()
        // An expired share grants nothing; one that expires later still does.
        f.state.beginTransaction()
        var vault = f.state.resources.group(GroupID(4))!
        vault.sharedWith = [GroupLink(groupID: GroupID(3), accessLevel: .owner, expiresAt: CivilDate(year: 2026, month: 6, day: 1))]
        f.state.put(vault)
        var sub = f.state.resources.group(GroupID(2))!
        sub.sharedWith = [GroupLink(groupID: GroupID(3), accessLevel: .maintainer, expiresAt: CivilDate(year: 2027, month: 1, day: 1))]
        f.state.put(sub)
        f.state.commit()
        let resources = f.state.resources.allGroups().map { Resource.group($0.id) } + f.state.resources.allProjects().map { .project($0.id) }
        for user in f.state.allUsers() {
            let view = AccessView(of: user.id, in: f.state, now: f.now)
            for resource in resources {
                #expect(view.level(of: resource) == AccessPolicy.accessLevel(of: user.id, in: resource, state: f.state, now: f.now),
                        "\(user.username) in \(resource)")
            }
        }
        #expect(AccessPolicy.accessLevel(of: f.bob.id, in: .group(GroupID(4)), state: f.state, now: f.now) == nil)
        #expect(AccessPolicy.accessLevel(of: f.bob.id, in: .project(ProjectID(3)), state: f.state, now: f.now) == .developer,
                "the subgroup's share at Maintainer caps bob's Developer at Developer")
        #expect(AccessPolicy.effectiveMembers(of: .group(GroupID(1)), state: f.state, now: f.now).map { ($0.userID, $0.accessLevel) }
            .contains { $0 == (f.bob.id, .reporter) })
    }
}
