import Foundation
import JSON
import Testing

/// Project and group access tokens, projects, groups and members through a real nginx and
/// worker: every caller role on every endpoint, numeric and `%2F` path ids (spec §4.12, §6).
@Suite(.timeLimit(.minutes(20)))
struct ResourceTokenIntegrationTests {
    /// Group `acme` (Owner: owner) holding private project `acme/web` with a Maintainer and a
    /// Developer, made partly with the CLI (offline bootstrap) and partly through nginx.
    struct World {
        let server: LiveServer
        let admin: String
        let owner: String
        let maintainer: String
        let developer: String
        let outsider: String
        let project: Int
        let group: Int
        let ids: [String: Int]
    }

    func world() throws -> World {
        let s = try LiveServer()
        var ids: [String: Int] = [:]
        for name in ["owner", "maintainer", "developer", "outsider"] { ids[name] = try s.createUser(name) }
        let group = try #require(Int(try s.tokend(["group", "create", "--data", s.data, "--name", "Acme", "--path", "acme", "--owner", "owner"])))
        let owner = try s.createToken(user: "owner", name: "owner")
        let project = try s.request("POST", "/projects", token: owner, form: "name=Web&namespace_id=acme")
        try #require(project.status == 201, "\(project.body)")
        let projectID = try #require(project.json?["id"]?.intValue)
        try s.tokend(["member", "add", "--data", s.data, "--project", "acme/web", "--user", "maintainer", "--access-level", "maintainer"])
        let added = try s.request("POST", "/projects/acme%2Fweb/members", token: owner, form: "user_id=\(ids["developer"]!)&access_level=30")
        try #require(added.status == 201, "\(added.body)")
        return World(
            server: s, admin: try s.createToken(name: "admin"), owner: owner,
            maintainer: try s.createToken(user: "maintainer", name: "m"), developer: try s.createToken(user: "developer", name: "d"),
            outsider: try s.createToken(user: "outsider", name: "o"), project: projectID, group: group, ids: ids)
    }

    @Test func encodedPathsReachTheWorkerIntact() throws {
        let w = try world()
        defer { w.server.stop() }
        let s = w.server
        let byPath = try s.request("GET", "/projects/acme%2Fweb", token: w.developer)
        #expect(byPath.status == 200)
        #expect(byPath.json?["id"]?.intValue == w.project)
        #expect(byPath.json?["path_with_namespace"] == .string("acme/web"))
        #expect(try s.request("GET", "/projects/acme%2fweb", token: w.developer).status == 200)
        #expect(try s.request("GET", "/projects/\(w.project)", token: w.outsider).body == #"{"message":"404 Project Not Found"}"#)
        #expect(try s.request("GET", "/projects/acme%2Fweb", token: w.outsider).body == #"{"message":"404 Project Not Found"}"#)
        #expect(try s.request("GET", "/groups/acme", token: w.owner).json?["full_path"] == .string("acme"))
        #expect(try s.request("GET", "/groups/\(w.group)", token: w.developer).body == #"{"message":"404 Group Not Found"}"#)
        let members = try s.request("GET", "/projects/acme%2Fweb/members", token: w.developer)
        #expect(members.json?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["maintainer", "developer"])
        let list = try s.request("GET", "/projects/acme%2Fweb/access_tokens", token: w.maintainer)
        #expect(list.status == 200)
        #expect(list.body == "[]")
    }

    @Test func everyRoleOnEveryProjectTokenEndpoint() throws {
        let w = try world()
        defer { w.server.stop() }
        let s = w.server
        let base = "/projects/acme%2Fweb/access_tokens"
        let numeric = "/projects/\(w.project)/access_tokens"
        let body = #"{"name":"deploy","scopes":["api"],"access_level":30}"#
        // Create: Developer 400, outsider 404, Maintainer over the ceiling 400, Maintainer 201.
        #expect(try s.request("POST", base, token: w.developer, json: body).body == #"{"message":"400 Bad request - User does not have permission to create project access token"}"#)
        #expect(try s.request("POST", base, token: w.outsider, json: body).status == 404)
        #expect(try s.request("POST", base, token: w.maintainer, json: #"{"name":"x","scopes":["api"],"access_level":50}"#).body == #"{"message":"400 Bad request - Access level of the token contains permissions not held by the creating user"}"#)
        let created = try s.request("POST", base, token: w.maintainer, json: body)
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.json?["id"]?.intValue)
        let bot = try #require(created.json?["token"]?.stringValue)
        let botID = try #require(created.json?["user_id"]?.intValue)
        #expect(created.json?["access_level"]?.intValue == 30)
        #expect(try s.request("GET", "/users/\(botID)", token: w.admin).json?["bot"] == .bool(true))
        let ownerToken = try s.request("POST", numeric, token: w.owner, json: #"{"name":"release","scopes":["read_api"],"access_level":50}"#)
        let ownerTokenID = try #require(ownerToken.json?["id"]?.intValue)
        // A bot creating another token: refused like a Developer.
        #expect(try s.request("POST", base, token: bot, json: body).body == #"{"message":"400 Bad request - User does not have permission to create project access token"}"#)
        // List and get: Maintainer, Owner, admin 200; Developer 401; outsider 404.
        #expect(try s.request("GET", base, token: w.owner).json?.arrayValue?.count == 2)
        #expect(try s.request("GET", numeric, token: w.admin).header("X-Total") == "2")
        #expect(try s.request("GET", base, token: w.developer).body == #"{"message":"401 Unauthorized"}"#)
        #expect(try s.request("GET", base, token: w.outsider).status == 404)
        #expect(try s.request("GET", "\(base)/\(id)", token: w.maintainer).json?["resource_id"]?.intValue == w.project)
        #expect(try s.request("GET", "\(numeric)/\(id)", token: w.developer).status == 401)
        #expect(try s.request("GET", "\(numeric)/999", token: w.owner).body == #"{"message":"404 project Access Token Not Found"}"#)
        // Rotate: Maintainer may not rotate the Owner-level token; Developer and bot 401; admin 404 for a stranger id.
        #expect(try s.request("POST", "\(base)/\(ownerTokenID)/rotate", token: w.maintainer).body == #"{"message":"400 Bad request - Not eligible to rotate token with access level higher than the user"}"#)
        #expect(try s.request("POST", "\(base)/\(ownerTokenID)/rotate", token: w.developer).body == #"{"message":"401 Unauthorized"}"#)
        #expect(try s.request("POST", "\(base)/\(ownerTokenID)/rotate", token: bot).status == 401)
        #expect(try s.request("POST", "\(base)/999/rotate", token: w.admin).body == #"{"message":"404 Not Found"}"#)
        let rotated = try s.request("POST", "\(base)/\(ownerTokenID)/rotate", token: w.owner)
        #expect(rotated.status == 200)
        #expect(rotated.json?["access_level"]?.intValue == 50)
        // Self-rotation: a human token (even an admin's) is 405; the bot rotates itself.
        #expect(try s.request("POST", "\(base)/self/rotate", token: w.maintainer).body == #"{"message":"405 Method Not Allowed"}"#)
        #expect(try s.request("POST", "\(base)/self/rotate", token: w.admin).status == 405)
        let selfRotated = try s.request("POST", "\(numeric)/self/rotate", token: bot)
        #expect(selfRotated.status == 200, "\(selfRotated.body)")
        #expect(selfRotated.json?["user_id"]?.intValue == botID)
        let newBot = try #require(selfRotated.json?["token"]?.stringValue)
        let newID = try #require(selfRotated.json?["id"]?.intValue)
        // Revoke: Developer 400 with GitLab's sentence; Maintainer 204; the token stays listed, revoked.
        #expect(try s.request("DELETE", "\(base)/\(newID)", token: w.developer).body == #"{"message":"400 Bad request - developer cannot delete deploy"}"#)
        #expect(try s.request("DELETE", "\(base)/\(newID)", token: w.maintainer).status == 204)
        #expect(try s.request("GET", "/user", token: newBot).status == 401)
        let listed = try s.request("GET", "\(base)?state=inactive", token: w.maintainer).json?.arrayValue ?? []
        #expect(listed.compactMap { $0["id"]?.intValue }.sorted() == [id, ownerTokenID, newID])
        let revoked = listed.first { $0["id"]?.intValue == newID }
        #expect(revoked?["revoked"] == .bool(true))
        #expect(revoked?["access_level"]?.intValue == 30)
        #expect(try s.request("GET", "/projects/\(w.project)/members/\(botID)", token: w.maintainer).status == 200)
    }

    @Test func groupTokensAndAssociations() throws {
        let w = try world()
        defer { w.server.stop() }
        let s = w.server
        let base = "/groups/acme/access_tokens"
        let maintainerID = w.ids["maintainer"]!
        #expect(try s.request("POST", "/groups/\(w.group)/members", token: w.owner, form: "user_id=\(maintainerID)&access_level=40").status == 201)
        #expect(try s.request("POST", base, token: w.maintainer, json: #"{"name":"g","scopes":["api"]}"#).body == #"{"message":"400 Bad request - User does not have permission to create group access token"}"#)
        #expect(try s.request("GET", base, token: w.maintainer).status == 401)
        let created = try s.request("POST", base, token: w.owner, json: #"{"name":"g","scopes":["api"],"access_level":20}"#)
        #expect(created.status == 201, "\(created.body)")
        #expect(created.json?["resource_type"] == .string("group"))
        let bot = try #require(created.json?["token"]?.stringValue)
        // The group bot reaches the group's projects; its associations show both, with levels.
        let associations = try s.request("GET", "/personal_access_tokens/self/associations", token: bot)
        #expect(associations.json?["groups"]?.arrayValue?.first?["access_levels"]?.intValue == 20)
        #expect(associations.json?["projects"]?.arrayValue?.first?["path_with_namespace"] == .string("acme/web"))
        #expect(associations.json?["projects"]?.arrayValue?.first?["access_levels"]?["group_access_level"]?.intValue == 20)
        let filtered = try s.request("GET", "/personal_access_tokens/self/associations?min_access_level=30", token: bot)
        #expect(filtered.body == #"{"groups":[],"projects":[]}"#)
        let developer = try s.request("GET", "/personal_access_tokens/self/associations?min_access_level=30", token: w.developer)
        #expect(developer.json?["projects"]?.arrayValue?.first?["access_levels"]?["project_access_level"]?.intValue == 30)
        #expect(try s.request("GET", "/personal_access_tokens/self/associations?min_access_level=31", token: bot).status == 400)
        // A user's tokens cannot reach into a group they are not in.
        #expect(try s.request("GET", base, token: w.outsider).body == #"{"message":"404 Group Not Found"}"#)
        #expect(try s.request("POST", "/groups/acme%2Fnope/access_tokens/self/rotate", token: bot).body == #"{"message":"404 Group Not Found"}"#)
    }
}
