import JSON
import Testing
import TokenCore
import TokendTesting

/// Security review, finding 1, where only the store can set the scene: a resource's token
/// endpoints find only its own bots' tokens even in a store that already holds a membership
/// made before the rule, and the offline command refuses too. (The API side of the finding is
/// `SecurityScenarios.anotherProjectsBotCannotBeTakenOver`, run in-process and through nginx.)
struct BotOwnershipTests {
    /// The fixture's project with one access token (made by its Maintainer), and a personal
    /// project of the outsider's, which the outsider administers.
    struct Scene {
        let f: ResourceFixture
        let victimToken: Int
        let bot: Int
        let plaintext: String
        let mine: Int
    }

    func scene() throws -> Scene {
        let f = try ResourceFixture()
        let created = f.client.request(
            "POST", "/projects/\(f.project)/access_tokens", token: f.maintainer, json: #"{"name":"deploy","scopes":["api"]}"#)
        try #require(created.status == 201, "\(created.body)")
        let mine = f.client.request("POST", "/projects", token: f.outsider, form: "name=Mine")
        try #require(mine.status == 201, "\(mine.body)")
        return Scene(
            f: f, victimToken: try #require(created.json?["id"]?.intValue), bot: try #require(created.json?["user_id"]?.intValue),
            plaintext: try #require(created.json?["token"]?.stringValue), mine: try #require(mine.json?["id"]?.intValue))
    }

    /// A store written before the rule may hold the membership already: the token endpoints of
    /// the attacker's project must still not reach the victim's token.
    @Test func tokensAreFoundByOwningResourceNotByMembership() throws {
        let s = try scene()
        let f = s.f
        let now = f.client.clock.now
        let (mine, bot) = (ProjectID(s.mine), UserID(s.bot))
        try f.client.repository.write { state in
            state.put(Membership(resource: .project(mine), userID: bot, accessLevel: .maintainer, createdAt: now))
        }
        let path = "/projects/\(s.mine)/access_tokens"
        #expect(f.client.request("GET", path, token: f.outsider).body == "[]")
        let notFound = #"{"message":"404 project Access Token Not Found"}"#
        #expect(f.client.request("GET", "\(path)/\(s.victimToken)", token: f.outsider).body == notFound)
        #expect(f.client.request("DELETE", "\(path)/\(s.victimToken)", token: f.outsider).body == notFound)
        let rotated = f.client.request("POST", "\(path)/\(s.victimToken)/rotate", token: f.outsider)
        #expect(rotated.status == 401)
        #expect(rotated.json?["token"] == nil)
        let asAdmin = f.client.request("POST", "\(path)/\(s.victimToken)/rotate", token: f.admin)
        #expect(asAdmin.status == 404)
        #expect(asAdmin.body == #"{"message":"404 Not Found"}"#)
        // The bot's own token cannot rotate itself through the other project either.
        #expect(f.client.request("POST", "\(path)/self/rotate", token: s.plaintext).status == 401)
        // Untouched: still active, still listed under its own project.
        let own = f.client.request("GET", "/projects/\(f.project)/access_tokens/\(s.victimToken)", token: f.maintainer)
        #expect(own.json?["active"] == .bool(true))
        #expect(own.json?["access_level"]?.intValue == 40)
    }

    @Test func theOfflineCommandRefusesToo() throws {
        let s = try scene()
        let now = s.f.client.clock.now
        let (mine, bot) = (ProjectID(s.mine), UserID(s.bot))
        #expect(throws: ResourceDirectory.Failure.invalid([FieldError("user_id", "project bots cannot be added to other groups / projects")])) {
            try s.f.client.repository.write { state in
                _ = try ResourceDirectory.addMember(bot, to: .project(mine), accessLevel: 10, expiresAt: nil, by: nil, at: now, in: &state)
            }
        }
    }
}
