import JSON
import TokenAPI
import Testing
import TokenCore
import TokendTesting

/// Deploy tokens in-process: the shared scenarios (run through nginx on both stores too), and
/// what only an in-process client sees: expiry by the clock, the stored digest, a rollback.
struct DeployTokenAPITests {
    @Test func rulesAndShapes() throws { try DeployTokenScenarios.rulesAndShapes(TestClient()) }

    @Test func apiRefusesAndAdminFinds() throws { try DeployTokenScenarios.apiRefusesAndAdminFinds(TestClient()) }

    @Test func gate() throws { try DeployTokenScenarios.gate(TestClient()) }

    /// A token that expires tomorrow passes the gate today and all of tomorrow (GitLab's
    /// `expires_at < Date.today`), and is refused, and shown expired, the day after.
    @Test func expiresByTheClock() throws {
        let client = TestClient()
        let f = try DeployTokenScenarios.Fixture(client)
        let tomorrow = client.clock.now.date.adding(days: 1).iso8601
        let token = try DeployTokenScenarios.create(
            client, "/projects/\(f.project)/deploy_tokens", token: f.owner, json: "{\"name\":\"t\",\"scopes\":[\"read_registry\"],\"expires_at\":\"\(tomorrow)\"}")
        let basic = GateScenarios.basic(token.username, token.value)
        let path = "//-/auth/read_registry?project=\(f.project)"
        #expect(client.request("GET", path, headers: ["Authorization": basic]).status == 204)
        client.clock.advance(minutes: 24 * 60)
        #expect(client.request("GET", path, headers: ["Authorization": basic]).status == 204, "the day it expires")
        client.clock.advance(minutes: 24 * 60)
        let refused = client.request("GET", path, headers: ["Authorization": basic])
        #expect(refused.status == 401)
        #expect(refused.body.contains("Token is expired"))
        let shown = client.request("GET", "/projects/\(f.project)/deploy_tokens/\(token.id)", token: f.owner)
        #expect(shown.json?["expired"] == .bool(true))
    }

    /// Only the keyed digest is stored, and a refused creation (a model error) takes no id.
    @Test func storesTheDigestOnlyAndARefusalTakesNoID() throws {
        let client = TestClient()
        let f = try DeployTokenScenarios.Fixture(client)
        let path = "/projects/\(f.project)/deploy_tokens"
        let first = try DeployTokenScenarios.create(client, path, token: f.owner, json: #"{"name":"a","scopes":["read_registry"]}"#)
        #expect(client.request("POST", path, token: f.owner, json: #"{"name":"b","scopes":[]}"#).status == 400)
        let second = try DeployTokenScenarios.create(client, path, token: f.owner, json: #"{"name":"c","scopes":["read_registry"]}"#)
        #expect(second.id == first.id + 1, "ids from their own sequence; a rolled-back creation takes none")
        let stored = try client.repository.read { $0.deployTokens.token(DeployTokenID(first.id)) }
        #expect(stored?.digest == client.application.dependencies.secret.digest(of: first.value))
        #expect(stored?.digest.hex.contains(first.value) == false)
    }

    /// Deleting a project or group destroys its deploy tokens with it.
    @Test func goWithTheirProject() throws {
        let client = TestClient()
        let f = try DeployTokenScenarios.Fixture(client)
        let token = try DeployTokenScenarios.create(client, "/projects/\(f.project)/deploy_tokens", token: f.owner, json: #"{"name":"a","scopes":["read_registry"]}"#)
        #expect(client.request("DELETE", "/projects/\(f.project)", token: f.admin).status == 202)
        #expect(try client.repository.read { $0.deployTokens.token(DeployTokenID(token.id)) } == nil)
        let all = client.request("GET", "/deploy_tokens", token: f.admin)
        #expect(all.json?.arrayValue?.isEmpty == true, "\(all.body)")
    }
}
