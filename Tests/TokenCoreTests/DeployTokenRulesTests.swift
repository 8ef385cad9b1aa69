import Testing
import TokenCore

/// A deploy token's rules, pure: expiry by GitLab's `expires_at < Date.today`, which projects
/// and groups a token reaches at the gate, and the username format.
struct DeployTokenRulesTests {
    let digest = TokenDigest(bytes: [UInt8](repeating: 1, count: 32))
    let midnight = Timestamp(millisecondsSinceEpoch: 1_750_032_000_000)  // 2025-06-16T00:00:00Z

    func token(_ resource: Resource, expiresAt: Timestamp? = nil) -> DeployToken {
        DeployToken(id: DeployTokenID(1), resource: resource, name: "t", digest: digest, scopes: ["read_registry"], expiresAt: expiresAt, createdAt: midnight)
    }

    @Test func expiresTheDayAfterItsDate() {
        let t = token(.project(ProjectID(1)), expiresAt: midnight)
        #expect(!t.isExpired(now: midnight.adding(milliseconds: Timestamp.millisecondsPerDay - 1)))
        #expect(t.isExpired(now: midnight.adding(milliseconds: Timestamp.millisecondsPerDay)))
        #expect(!token(.project(ProjectID(1))).isExpired(now: Timestamp(millisecondsSinceEpoch: .max / 2)))
        #expect(t.username == "gitlab+deploy-token-1")
    }

    @Test func aGroupsTokenReachesWhatIsBelowItAndNothingElse() throws {
        var state = StoreState()
        state.beginTransaction()
        let top = Group(id: GroupID(1), name: "a", path: "a", createdAt: midnight)
        var sub = Group(id: GroupID(2), name: "b", path: "b", createdAt: midnight)
        sub.parentID = top.id
        let other = Group(id: GroupID(3), name: "c", path: "c", createdAt: midnight)
        for group in [top, sub, other] { state.put(group) }
        state.put(Project(id: ProjectID(1), name: "p", path: "p", namespace: .group(sub.id), createdAt: midnight))
        state.put(Project(id: ProjectID(2), name: "q", path: "q", namespace: .user(UserID(1)), createdAt: midnight))
        state.commit()
        let groupToken = token(.group(top.id))
        #expect(DeployTokenAccess.covers(groupToken, .group(top.id), in: state))
        #expect(DeployTokenAccess.covers(groupToken, .group(sub.id), in: state))
        #expect(DeployTokenAccess.covers(groupToken, .project(ProjectID(1)), in: state))
        #expect(!DeployTokenAccess.covers(groupToken, .group(other.id), in: state))
        #expect(!DeployTokenAccess.covers(groupToken, .project(ProjectID(2)), in: state))
        let subToken = token(.group(sub.id))
        #expect(!DeployTokenAccess.covers(subToken, .group(top.id), in: state), "not upwards")
        let projectToken = token(.project(ProjectID(1)))
        #expect(DeployTokenAccess.covers(projectToken, .project(ProjectID(1)), in: state))
        #expect(!DeployTokenAccess.covers(projectToken, .group(sub.id), in: state), "a project's token is not its group's")
    }

    @Test(arguments: ["bar", "gitlab+deploy-token-1", "a.b_c-d", "A9"])
    func acceptsGitLabsUsernames(_ name: String) { #expect(DeployTokenService.isValidUsername(name)) }

    @Test(arguments: ["", "a b", "a/b", "ä", "a:b", "a\u{0}"])
    func refusesOthers(_ name: String) { #expect(!DeployTokenService.isValidUsername(name)) }
}
