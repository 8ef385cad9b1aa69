import Foundation
import JSON
import Testing

/// Every token and user endpoint through a real nginx and worker: admin / owner / other user,
/// filters, sort, pagination headers and GitLab's errors (spec §4.1–4.11, §5, §7); each on the
/// JSON store and on PostgreSQL.
@Suite(.timeLimit(.minutes(20)))
struct TokenAPIIntegrationTests {
    struct World {
        let server: LiveServer
        let admin: String
        let aliceID: Int
        let alice: String
        let bob: String
    }

    func world(_ backend: Backend) throws -> World {
        let server = try LiveServer(backend: backend)
        let aliceID = try server.createUser("alice")
        _ = try server.createUser("bob")
        return World(
            server: server, admin: try server.createToken(name: "admin", scopes: "api,sudo"),
            aliceID: aliceID, alice: try server.createToken(user: "alice", name: "alice-ci", scopes: "api"),
            bob: try server.createToken(user: "bob", name: "bob-ci", scopes: "api"))
    }

    static var today: String { String(Date().ISO8601Format().prefix(10)) }

    static func date(daysFromToday days: Int) -> String {
        String(Date().addingTimeInterval(Double(days) * 86_400).ISO8601Format().prefix(10))
    }

    @Test(arguments: Backend.available)
    func listFiltersSortsAndPaginatesThroughNginx(backend: Backend) throws {
        let w = try world(backend)
        defer { w.server.stop() }
        let s = w.server
        let all = try s.request("GET", "/personal_access_tokens?per_page=2&sort=name_asc", token: w.admin)
        #expect(all.status == 200)
        #expect(all.json?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["admin", "alice-ci"])
        #expect(all.header("X-Total") == "3")
        #expect(all.header("X-Total-Pages") == "2")
        #expect(all.header("X-Next-Page") == "2")
        #expect(all.header("Link")?.contains("<http://127.0.0.1:\(s.port)/api/v4/personal_access_tokens?page=2&per_page=2&sort=name_asc>; rel=\"next\"") == true)
        let own = try s.request("GET", "/personal_access_tokens", token: w.alice)
        #expect(own.json?.arrayValue?.count == 1)
        #expect(try s.request("GET", "/personal_access_tokens?user_id=1", token: w.alice).status == 401)
        #expect(try s.request("GET", "/personal_access_tokens?user_id=99", token: w.admin).body == #"{"message":"404 Not Found"}"#)
        #expect(try s.request("GET", "/personal_access_tokens?user_id=\(w.aliceID)", token: w.admin).json?.arrayValue?.count == 1)
        #expect(try s.request("GET", "/personal_access_tokens?revoked=perhaps&state=x", token: w.admin).body == #"{"error":"revoked is invalid, state does not have a valid value"}"#)
        #expect(try s.request("GET", "/personal_access_tokens?search=ci&state=active", token: w.admin).json?.arrayValue?.isEmpty == true)
        #expect(try s.request("GET", "/personal_access_tokens?search=bob", token: w.admin).json?.arrayValue?.count == 1)
        #expect(try s.request("GET", "/personal_access_tokens?created_after=2000-01-01T00:00:00Z&expires_before=\(Self.date(daysFromToday: 400))", token: w.admin).json?.arrayValue?.count == 3)
        #expect(try s.request("GET", "/personal_access_tokens?per_page=0", token: w.admin).status == 400)
        let readAPI = try s.createToken(user: "alice", name: "ro", scopes: "read_api")
        #expect(try s.request("GET", "/personal_access_tokens", token: readAPI).status == 200)
        #expect(try s.request("HEAD", "/personal_access_tokens", token: readAPI).status == 200)
        #expect(try s.request("GET", "/personal_access_tokens", token: try s.createToken(user: "alice", name: "ru", scopes: "read_user")).status == 403)
    }

    @Test(arguments: Backend.available)
    func showRotateAndRevokeByIdThroughNginx(backend: Backend) throws {
        let w = try world(backend)
        defer { w.server.stop() }
        let s = w.server
        // Token ids: 1 admin, 2 alice-ci, 3 bob-ci.
        #expect(try s.request("GET", "/personal_access_tokens/2", token: w.alice).json?["name"] == .string("alice-ci"))
        #expect(try s.request("GET", "/personal_access_tokens/3", token: w.alice).status == 401)
        #expect(try s.request("GET", "/personal_access_tokens/99", token: w.admin).status == 404)
        #expect(try s.request("GET", "/personal_access_tokens/x", token: w.admin).body == #"{"error":"id is invalid"}"#)
        let rotated = try s.request("POST", "/personal_access_tokens/2/rotate", token: w.alice, json: #"{"expires_at":"\#(Self.date(daysFromToday: 30))"}"#)
        #expect(rotated.status == 200)
        #expect(rotated.json?["expires_at"] == .string(Self.date(daysFromToday: 30)))
        let successor = try #require(rotated.json?["token"]?.stringValue)
        #expect(try s.request("GET", "/personal_access_tokens/self", token: w.alice).status == 401)
        #expect(try s.request("POST", "/personal_access_tokens/2/rotate", token: w.admin).body == #"{"message":"400 Bad request - Token already revoked"}"#)
        #expect(try s.request("POST", "/personal_access_tokens/3/rotate", token: successor).status == 401)
        let defaultExpiry = try s.request("POST", "/personal_access_tokens/3/rotate", token: w.admin)
        #expect(defaultExpiry.json?["expires_at"] == .string(Self.date(daysFromToday: 7)))
        #expect(try s.request("DELETE", "/personal_access_tokens/1", token: successor).body == #"{"message":"400 Bad request - Not permitted to revoke"}"#)
        #expect(try s.request("DELETE", "/personal_access_tokens/77", token: successor).body == #"{"message":"404 Not found"}"#)
        #expect(try s.request("DELETE", "/personal_access_tokens/4", token: successor).status == 204)
        #expect(try s.request("DELETE", "/personal_access_tokens/4", token: w.admin).status == 204)
    }

    @Test(arguments: Backend.available)
    func selfRotationAndReuseDetectionThroughNginx(backend: Backend) throws {
        let w = try world(backend)
        defer { w.server.stop() }
        let s = w.server
        let rotating = try s.createToken(user: "alice", name: "sr", scopes: "read_repository,self_rotate")
        let second = try #require(try s.request("POST", "/personal_access_tokens/self/rotate", token: rotating).json?["token"]?.stringValue)
        #expect(try s.request("GET", "/personal_access_tokens/self", token: second).status == 200)
        let reused = try s.request("POST", "/personal_access_tokens/self/rotate", token: rotating)
        #expect(reused.status == 401)
        #expect(reused.header("WWW-Authenticate")?.contains("invalid_token") == true)
        #expect(try s.request("GET", "/personal_access_tokens/self", token: second).status == 401)
        let scoped = try s.request("POST", "/personal_access_tokens/self/rotate", token: try s.createToken(user: "alice", name: "ra", scopes: "read_api"))
        #expect(scoped.json?["scope"] == .string("api self_rotate api read_api"))
    }

    @Test(arguments: Backend.available)
    func creationEndpointsThroughNginx(backend: Backend) throws {
        let w = try world(backend)
        defer { w.server.stop() }
        let s = w.server
        let created = try s.request("POST", "/users/\(w.aliceID)/personal_access_tokens", token: w.admin, form: "name=deploy&scopes[]=api&scopes[]=read_repository&description=Deploys")
        #expect(created.status == 201)
        #expect(created.json?["description"] == .string("Deploys"))
        #expect(created.json?["expires_at"] == .string(Self.date(daysFromToday: 365)))
        #expect(try s.request("POST", "/users/\(w.aliceID)/personal_access_tokens", token: w.alice, form: "name=x&scopes=api").body == #"{"message":"403 Forbidden"}"#)
        #expect(try s.request("POST", "/users/\(w.aliceID)/personal_access_tokens", token: w.admin, form: "name=x").body == #"{"error":"scopes is missing"}"#)
        #expect(try s.request("POST", "/users/99/personal_access_tokens", token: w.admin, form: "name=x&scopes=api").status == 404)
        let late = try s.request("POST", "/users/\(w.aliceID)/personal_access_tokens", token: w.admin, json: #"{"name":"x","scopes":["api"],"expires_at":"\#(Self.date(daysFromToday: 400))"}"#)
        #expect(late.status == 422)
        #expect(late.json?["message"] == .string("Expiration date must be before \(Self.date(daysFromToday: 365))"))
        let own = try s.request("POST", "/user/personal_access_tokens", token: w.alice, form: "name=k&scopes=k8s_proxy")
        #expect(own.status == 201)
        #expect(own.json?["expires_at"] == .string(Self.date(daysFromToday: 1)))
        let k8s = try #require(own.json?["token"]?.stringValue)
        #expect(try s.request("GET", "/user", token: k8s).status == 403)
        #expect(try s.request("GET", "/personal_access_tokens/self/associations", token: k8s).body == #"{"groups":[],"projects":[]}"#)
        #expect(try s.request("GET", "/user", token: w.admin, headers: ["Sudo": "alice"]).json?["username"] == .string("alice"))
    }

    @Test(arguments: Backend.available)
    func impersonationAndUsersThroughNginx(backend: Backend) throws {
        let w = try world(backend)
        defer { w.server.stop() }
        let s = w.server
        let user = try s.request("POST", "/users", token: w.admin, form: "username=carol&name=Carol&email=carol@example.com")
        #expect(user.status == 201)
        let carol = try #require(user.json?["id"]?.intValue)
        #expect(try s.request("POST", "/users", token: w.admin, form: "username=carol&name=C&email=x@example.com").status == 409)
        #expect(try s.request("GET", "/users?username=carol", token: w.alice).json?.arrayValue?.count == 1)
        #expect(try s.request("GET", "/users/\(carol)", token: w.alice).json?["username"] == .string("carol"))
        #expect(try s.request("POST", "/users/\(carol)/impersonation_tokens", token: w.alice, form: "name=x").status == 403)
        let imp = try s.request("POST", "/users/\(carol)/impersonation_tokens", token: w.admin, form: "name=support&scopes=api&expires_at=\(Self.date(daysFromToday: 10))")
        #expect(imp.status == 201)
        let token = try #require(imp.json?["token"]?.stringValue)
        let id = try #require(imp.json?["id"]?.intValue)
        #expect(try s.request("GET", "/user", token: token).json?["username"] == .string("carol"))
        #expect(try s.request("DELETE", "/personal_access_tokens/self", token: token).status == 400)
        #expect(try s.request("GET", "/users/\(carol)/impersonation_tokens?state=active", token: w.admin).json?.arrayValue?.count == 1)
        #expect(try s.request("POST", "/users/\(carol)/impersonation_tokens", token: w.admin, form: "name=x&scopes=api").body == #"{"message":{"expires_at":["can't be blank"]}}"#)
        #expect(try s.request("POST", "/users/\(carol)/block", token: w.admin).body == "true")
        #expect(try s.request("GET", "/user", token: token).body == #"{"message":"403 Forbidden - Your account has been blocked."}"#)
        #expect(try s.request("POST", "/users/\(carol)/unblock", token: w.admin).status == 201)
        #expect(try s.request("DELETE", "/users/\(carol)/impersonation_tokens/\(id)", token: w.admin).status == 204)
        #expect(try s.request("GET", "/users/\(carol)/impersonation_tokens/\(id)", token: w.admin).json?["revoked"] == .bool(true))
        #expect(try s.request("DELETE", "/users/\(carol)", token: w.admin).status == 204)
        #expect(try s.request("GET", "/users/\(carol)", token: w.admin).body == #"{"message":"404 User Not Found"}"#)
    }
}
