import JSON
import Testing
import TokenCore
import TokendTesting

/// Project and group access tokens in-process: bots, permissions, the access-level ceiling,
/// rotation, self-rotation and revocation, with GitLab's bodies.
struct ResourceAccessTokenAPITests {
    func create(_ f: ResourceFixture, _ token: String, level: Int? = nil, on path: String? = nil) -> TestResponse {
        let body = #"{"name":"ci","scopes":["api","read_repository"]"# + (level.map { #","access_level":\#($0)"# } ?? "") + "}"
        return f.client.request("POST", (path ?? "/projects/\(f.project)") + "/access_tokens", token: token, json: body)
    }

    @Test func creatingMakesABotMemberAndAToken() throws {
        let f = try ResourceFixture()
        let created = create(f, f.maintainer)
        #expect(created.status == 201, "\(created.body)")
        let json = try #require(created.json)
        #expect(json["access_level"]?.intValue == 40)
        #expect(json["resource_type"] == .string("project"))
        #expect(json["resource_id"]?.intValue == f.project)
        #expect(json["expires_at"] == .string("2027-06-15"))
        #expect(json["token"]?.stringValue?.hasPrefix("glpat-") == true)
        #expect(json["last_used_ips"] == .array([]))
        let botID = try #require(json["user_id"]?.intValue)
        let bot = f.client.request("GET", "/users/\(botID)", token: f.admin)
        #expect(bot.json?["bot"] == .bool(true))
        #expect(bot.json?["username"]?.stringValue?.hasPrefix("project_\(f.project)_bot_") == true)
        #expect(bot.json?["email"]?.stringValue?.hasSuffix("@noreply.gitlab.example.com") == true)
        let members = f.client.request("GET", "/projects/\(f.project)/members", token: f.maintainer)
        #expect(members.json?.arrayValue?.contains { $0["id"]?.intValue == botID && $0["access_level"]?.intValue == 40 } == true)
        // The bot's token works as a PAT and sees its project.
        let plaintext = try #require(json["token"]?.stringValue)
        #expect(f.client.request("GET", "/projects/\(f.project)", token: plaintext).status == 200)
        #expect(f.client.request("GET", "/personal_access_tokens/self", token: plaintext).json?["user_id"]?.intValue == botID)
    }

    @Test func createRefusalsInGitLabsOrder() throws {
        let f = try ResourceFixture()
        #expect(create(f, f.developer).body == #"{"message":"400 Bad request - User does not have permission to create project access token"}"#)
        #expect(create(f, f.maintainer, level: 50).body == #"{"message":"400 Bad request - Access level of the token contains permissions not held by the creating user"}"#)
        #expect(create(f, f.outsider).body == #"{"message":"404 Project Not Found"}"#)
        #expect(create(f, f.maintainer, level: 41).body == #"{"error":"access_level does not have a valid value"}"#)
        let badScope = f.client.request("POST", "/projects/\(f.project)/access_tokens", token: f.maintainer, json: #"{"name":"x","scopes":["read_user"]}"#)
        #expect(badScope.body == #"{"error":"scopes does not have a valid value"}"#)
        #expect(f.client.request("POST", "/projects/\(f.project)/access_tokens", token: f.maintainer, json: #"{"scopes":["api"]}"#).body == #"{"error":"name is missing"}"#)
        let tooLate = f.client.request("POST", "/projects/\(f.project)/access_tokens", token: f.maintainer, json: #"{"name":"x","scopes":["api"],"expires_at":"2030-01-01"}"#)
        #expect(tooLate.body == #"{"message":"400 Bad request - Expiration date must be before 2027-06-15"}"#)
        // A failed create leaves no bot behind.
        let members = f.client.request("GET", "/projects/\(f.project)/members", token: f.maintainer)
        #expect(members.json?.arrayValue?.count == 2)
        // A group Maintainer is not enough for group tokens (Owner), and a bot never creates.
        let groupPath = "/groups/\(f.group)"
        let maintainerID = f.ids["maintainer"]!
        #expect(f.client.request("POST", "\(groupPath)/members", token: f.owner, form: "user_id=\(maintainerID)&access_level=40").status == 201)
        #expect(create(f, f.maintainer, on: groupPath).body == #"{"message":"400 Bad request - User does not have permission to create group access token"}"#)
        let bot = try #require(create(f, f.owner, level: 50, on: groupPath).json?["token"]?.stringValue)
        #expect(create(f, bot, on: groupPath).body == #"{"message":"400 Bad request - User does not have permission to create group access token"}"#)
        #expect(create(f, f.admin, level: 50).status == 201)
    }

    @Test func readingNeedsAdministrationAndStaysInsideTheResource() throws {
        let f = try ResourceFixture()
        let created = create(f, f.maintainer)
        let id = try #require(created.json?["id"]?.intValue)
        let bot = try #require(created.json?["token"]?.stringValue)
        let path = "/projects/\(f.project)/access_tokens"
        #expect(f.client.request("GET", path, token: f.developer).body == #"{"message":"401 Unauthorized"}"#)
        #expect(f.client.request("GET", path, token: f.outsider).body == #"{"message":"404 Project Not Found"}"#)
        #expect(f.client.request("GET", path, token: f.maintainer).json?.arrayValue?.count == 1)
        #expect(f.client.request("GET", path, token: bot).json?.arrayValue?.count == 1)
        #expect(f.client.request("GET", path, token: f.admin).header("X-Total") == "1")
        #expect(f.client.request("GET", "\(path)/\(id)", token: f.owner).json?["access_level"]?.intValue == 40)
        #expect(f.client.request("GET", "\(path)/\(id)", token: f.developer).status == 401)
        #expect(f.client.request("GET", "\(path)/self", token: f.maintainer).body == #"{"message":"404 project Access Token Not Found"}"#)
        // A personal token is not a token of the project.
        let own = try #require(f.client.request("GET", "/personal_access_tokens/self", token: f.maintainer).json?["id"]?.intValue)
        #expect(f.client.request("GET", "\(path)/\(own)", token: f.maintainer).body == #"{"message":"404 project Access Token Not Found"}"#)
        // Nor is another project's.
        let other = f.client.request("POST", "/projects", token: f.maintainer, form: "name=Other")
        let otherID = try #require(other.json?["id"]?.intValue)
        #expect(f.client.request("GET", "/projects/\(otherID)/access_tokens/\(id)", token: f.maintainer).status == 404)
        #expect(f.client.request("GET", "/projects/\(otherID)/access_tokens", token: f.maintainer).body == "[]")
    }

    @Test func rotationKeepsTheBotAndRespectsTheCeiling() throws {
        let f = try ResourceFixture()
        let owners = try #require(create(f, f.owner, level: 50).json)
        let maintainers = try #require(create(f, f.maintainer, level: 30).json)
        let path = "/projects/\(f.project)/access_tokens"
        let ownerTokenID = owners["id"]!.intValue!
        #expect(f.client.request("POST", "\(path)/\(ownerTokenID)/rotate", token: f.maintainer).body == #"{"message":"400 Bad request - Not eligible to rotate token with access level higher than the user"}"#)
        #expect(f.client.request("POST", "\(path)/\(ownerTokenID)/rotate", token: f.developer).body == #"{"message":"401 Unauthorized"}"#)
        let bot = maintainers["token"]!.stringValue!
        #expect(f.client.request("POST", "\(path)/\(ownerTokenID)/rotate", token: bot).status == 401)
        #expect(f.client.request("POST", "\(path)/999/rotate", token: f.admin).body == #"{"message":"404 Not Found"}"#)
        let rotated = f.client.request("POST", "\(path)/\(maintainers["id"]!.intValue!)/rotate", token: f.maintainer, form: "expires_at=2026-07-01")
        #expect(rotated.status == 200, "\(rotated.body)")
        #expect(rotated.json?["user_id"] == maintainers["user_id"])
        #expect(rotated.json?["access_level"]?.intValue == 30)
        #expect(rotated.json?["expires_at"] == .string("2026-07-01"))
        #expect(f.client.request("GET", "/user", token: bot).status == 401)
        let again = f.client.request("POST", "\(path)/\(maintainers["id"]!.intValue!)/rotate", token: f.maintainer)
        #expect(again.body == #"{"message":"400 Bad request - Token already revoked"}"#)
    }

    @Test func selfRotationIsForBotsOnly() throws {
        let f = try ResourceFixture()
        let created = try #require(create(f, f.maintainer).json)
        let bot = created["token"]!.stringValue!
        let path = "/projects/\(f.project)/access_tokens/self/rotate"
        #expect(f.client.request("POST", path, token: f.maintainer).body == #"{"message":"405 Method Not Allowed"}"#)
        #expect(f.client.request("POST", path, token: f.admin).status == 405)
        let other = f.client.request("POST", "/projects", token: f.maintainer, form: "name=Other&visibility=internal")
        let otherID = try #require(other.json?["id"]?.intValue)
        #expect(f.client.request("POST", "/projects/\(otherID)/access_tokens/self/rotate", token: bot).status == 401)
        let rotated = f.client.request("POST", path, token: bot)
        #expect(rotated.status == 200)
        #expect(rotated.json?["expires_at"] == .string("2026-06-22"))
        let next = try #require(rotated.json?["token"]?.stringValue)
        // Reuse of the old token revokes the new one.
        #expect(f.client.request("POST", path, token: bot).body.contains("Token was revoked"))
        #expect(f.client.request("GET", "/personal_access_tokens/self", token: next).status == 401)
    }

    @Test func revocationKeepsTheBotAndTheListing() throws {
        let f = try ResourceFixture()
        let created = try #require(create(f, f.maintainer).json)
        let id = created["id"]!.intValue!
        let botID = created["user_id"]!.intValue!
        let path = "/projects/\(f.project)/access_tokens"
        #expect(f.client.request("DELETE", "\(path)/999", token: f.developer).body == #"{"message":"404 project Access Token Not Found"}"#)
        #expect(f.client.request("DELETE", "\(path)/\(id)", token: f.developer).body == #"{"message":"400 Bad request - Developer cannot delete ci"}"#)
        #expect(f.client.request("DELETE", "\(path)/\(id)", token: f.outsider).status == 404)
        #expect(f.client.request("DELETE", "\(path)/\(id)", token: f.maintainer).status == 204)
        let listed = f.client.request("GET", path, token: f.maintainer).json?.arrayValue?.first
        #expect(listed?["revoked"] == .bool(true))
        #expect(listed?["active"] == .bool(false))
        #expect(listed?["access_level"]?.intValue == 40)
        #expect(f.client.request("GET", "\(path)?state=active", token: f.maintainer).body == "[]")
        #expect(f.client.request("GET", "/users/\(botID)", token: f.admin).json?["bot"] == .bool(true))
        #expect(f.client.request("GET", "/projects/\(f.project)/members/\(botID)", token: f.maintainer).status == 200)
    }

    @Test func groupTokensWorkTheSameUnderTheGroupPath() throws {
        let f = try ResourceFixture()
        let created = create(f, f.owner, level: 30, on: "/groups/acme")
        #expect(created.status == 201, "\(created.body)")
        #expect(created.json?["resource_type"] == .string("group"))
        let bot = try #require(created.json?["token"]?.stringValue)
        let botUser = f.client.request("GET", "/user", token: bot)
        #expect(botUser.json?["bot"] == .bool(true))
        #expect(botUser.json?["username"]?.stringValue?.hasPrefix("group_\(f.group)_bot_") == true)
        // Membership in the group reaches the projects below it.
        #expect(f.client.request("GET", "/projects/acme%2Ftools%2Fhammer", token: bot).status == 200)
        #expect(f.client.request("GET", "/groups/\(f.group)/access_tokens", token: f.owner).json?.arrayValue?.count == 1)
        #expect(f.client.request("GET", "/groups/\(f.group)/access_tokens", token: f.maintainer).body == #"{"message":"404 Group Not Found"}"#)
    }
}
