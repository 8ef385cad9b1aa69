import Foundation
import JSON
import Testing
import TokendTesting

/// Deploy tokens for real, on both stores: the shared scenarios through nginx to a worker, and
/// the shipped `nginx/auth-gate.conf` guarding a registry location with a deploy token sent as
/// `docker login` and package managers send it, across a restart of the worker.
@Suite(.timeLimit(.minutes(20)))
struct DeployTokenIntegrationTests {
    @Test(arguments: [
        ("deploy token rules and shapes", DeployTokenScenarios.rulesAndShapes),
        ("deploy tokens never authenticate the API", DeployTokenScenarios.apiRefusesAndAdminFinds),
        ("deploy tokens at the gate", DeployTokenScenarios.gate),
    ] as [(name: String, run: @Sendable (LiveServer) throws -> Void)], Backend.available)
    func sharedScenarios(scenario: (name: String, run: @Sendable (LiveServer) throws -> Void), backend: Backend) throws {
        let server = try LiveServer(backend: backend)
        defer { server.stop() }
        try scenario.run(server)
    }

    @Test(.enabled(if: HeaderEcho.unavailable == nil, "python3 is not installed (the guarded service is a Python stub)"), arguments: Backend.available)
    func nginxGuardsARegistryWithADeployToken(backend: Backend) throws {
        let server = try LiveServer(backend: backend)
        defer { server.stop() }
        let admin = try server.createToken(name: "admin", scopes: "api")
        #expect(try server.request("POST", "/groups", token: admin, form: "name=Acme&path=acme").status == 201)
        let project = try #require(try server.request("POST", "/projects", token: admin, form: "name=Web&namespace_id=acme").json?["id"]?.intValue)
        let created = try server.request("POST", "/projects/\(project)/deploy_tokens", token: admin, json: #"{"name":"pull","scopes":["read_registry"]}"#)
        let token = try #require(created.json?["token"]?.stringValue, "\(created.body)")
        let username = try #require(created.json?["username"]?.stringValue)
        let front = try GatedFront(.nginx, server: server, projectID: project)
        defer { front.stop() }
        let context = Comment(rawValue: "\(backend): \(front.log)")

        // docker login: Basic with the token's username; the service learns the project, not a person.
        let pulled = try front.get("/registry/v2/acme/web/manifests/latest", basic: (username, token))
        #expect(pulled.status == 200, context)
        #expect(pulled.json?["bot"] == .string("true"))
        #expect(pulled.json?["bot_project"] == .string("acme/web"))
        #expect(pulled.json?["user_id"] == .string("") && pulled.json?["username"] == .string(""), "\(pulled.body)")
        #expect(pulled.json?["authorization"] == .string(""), "the token stays with the gate")
        // A package manager: the token alone, in Deploy-Token; it does not reach the service either.
        let package = try front.get("/registry/v2/", headers: ["Deploy-Token": token])
        #expect(package.status == 200, context)
        #expect(package.json?["cgi"]?["HTTP_DEPLOY_TOKEN"] == nil, "\(package.body)")
        // Not another username; not a location that asks for what the token lacks.
        let wrong = try front.get("/registry/v2/", basic: ("docker", token))
        #expect(wrong.status == 401 && wrong.header("WWW-Authenticate") == #"Basic realm="tokend""#, context)
        #expect(try front.get("/repo/info/refs", basic: (username, token)).status == 403, "write_repository, no project rule")
        #expect(try front.get("/dashboard/", headers: ["Deploy-Token": token]).status == 403, "read_api")

        // Across a restart of the worker, from the store.
        server.stopWorkers()
        try server.startWorker()
        #expect(try front.get("/registry/v2/", basic: (username, token)).status == 200, context)

        // Deleted: the next pull is refused.
        let id = try #require(created.json?["id"]?.intValue)
        #expect(try server.request("DELETE", "/projects/\(project)/deploy_tokens/\(id)", token: admin).status == 204)
        #expect(try front.get("/registry/v2/", basic: (username, token)).status == 401, context)
        #expect(!server.workerLogs.contains(token), "no token in the worker's log")
        #expect(!front.log.contains(token), "no token in the front's log")
    }
}
