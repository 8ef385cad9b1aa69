import JSON
import Testing
import TokenCore
import TokendTesting

/// Service accounts in-process, as GitLab EE serves them: the instance's for administrators,
/// a group's for its Owners, a project's for its Maintainers; EE's entity, defaults, refusals,
/// and the accounts' personal access tokens (create, use, rotate, revoke, expiry).
struct ServiceAccountAPITests {
    static let hex = Set("0123456789abcdef")

    func keys(_ value: JSONValue?) -> [String] {
        guard case .object(let fields)? = value else { return [] }
        return fields.keys.sorted()
    }

    // MARK: Instance

    @Test func instanceAccountsTakeGitLabsDefaults() throws {
        let f = try ResourceFixture()
        let created = f.client.request("POST", "/service_accounts", token: f.admin)
        #expect(created.status == 201, "\(created.body)")
        #expect(keys(created.json) == ["email", "id", "name", "username"])
        let username = try #require(created.json?["username"]?.stringValue)
        #expect(username.hasPrefix("service_account_") && username.dropFirst(16).count == 32)
        #expect(username.dropFirst(16).allSatisfy(Self.hex.contains))
        #expect(created.json?["name"] == .string("Service account user"))
        #expect(created.json?["email"] == .string("\(username)@noreply.gitlab.example.com"))
        let named = f.client.request(
            "POST", "/service_accounts", token: f.admin, json: #"{"name":"Deploy bot","username":"deploy-bot","email":"deploy@example.com"}"#)
        #expect(named.status == 201)
        #expect(named.json?["username"] == .string("deploy-bot") && named.json?["email"] == .string("deploy@example.com"))
        // It is a user: GitLab's user entity marks it a bot and external.
        let id = try #require(named.json?["id"]?.intValue)
        let user = f.client.request("GET", "/users/\(id)", token: f.admin)
        #expect(user.json?["bot"] == .bool(true) && user.json?["external"] == .bool(true))
    }

    @Test func instanceRefusals() throws {
        let f = try ResourceFixture()
        #expect(f.client.request("POST", "/service_accounts", token: f.owner).body == #"{"message":"403 Forbidden"}"#)
        #expect(f.client.request("GET", "/service_accounts", token: f.owner).status == 403)
        #expect(f.client.request("PATCH", "/service_accounts/2", token: f.owner, form: "name=x").status == 403)
        #expect(f.client.request("POST", "/service_accounts").status == 401)
        let taken = f.client.request("POST", "/service_accounts", token: f.admin, form: "username=owner")
        #expect(taken.status == 400 && taken.body == #"{"message":"400 Bad request - Username has already been taken"}"#)
        let bad = f.client.request("POST", "/service_accounts", token: f.admin, form: "username=-bad")
        #expect(bad.status == 400 && bad.json?["message"]?.stringValue?.hasPrefix("400 Bad request - Username can contain only") == true)
        #expect(f.client.request("POST", "/service_accounts", token: f.admin, form: "email=nope").body
            == #"{"message":"400 Bad request - Email is invalid"}"#)
        #expect(f.client.request("GET", "/service_accounts?order_by=name", token: f.admin).body == #"{"error":"order_by does not have a valid value"}"#)
    }

    @Test func instanceListIsEveryServiceAccountNewestFirst() throws {
        let f = try ResourceFixture()
        for name in ["b-bot", "c-bot", "a-bot"] {
            #expect(f.client.request("POST", "/service_accounts", token: f.admin, form: "username=\(name)").status == 201)
        }
        #expect(f.client.request("POST", "/groups/\(f.group)/service_accounts", token: f.owner, form: "username=g-bot").status == 201)
        let list = f.client.request("GET", "/service_accounts", token: f.admin)
        #expect(list.json?.arrayValue?.map { $0["username"]?.stringValue ?? "" } == ["g-bot", "a-bot", "c-bot", "b-bot"])
        #expect(list.header("X-Total") == "4")
        let sorted = f.client.request("GET", "/service_accounts?order_by=username&sort=asc&per_page=2", token: f.admin)
        #expect(sorted.json?.arrayValue?.map { $0["username"]?.stringValue ?? "" } == ["a-bot", "b-bot"])
    }

    @Test func instanceUpdate() throws {
        let f = try ResourceFixture()
        let id = try #require(f.client.request("POST", "/service_accounts", token: f.admin, form: "username=sa").json?["id"]?.intValue)
        let renamed = f.client.request("PATCH", "/service_accounts/\(id)", token: f.admin, json: #"{"name":"Renamed","username":"sa2","email":""}"#)
        #expect(renamed.status == 200, "\(renamed.body)")
        #expect(renamed.json?["name"] == .string("Renamed") && renamed.json?["username"] == .string("sa2"))
        #expect(renamed.json?["email"]?.stringValue?.hasPrefix("sa@noreply.") == true, "a blank value changes nothing")
        #expect(f.client.request("GET", "/users?username=sa2", token: f.admin).json?.arrayValue?.count == 1)
        let person = f.ids["owner"]!
        #expect(f.client.request("PATCH", "/service_accounts/\(person)", token: f.admin, form: "name=x").body
            == #"{"message":"400 Bad request - User is not a service account"}"#)
        #expect(f.client.request("PATCH", "/service_accounts/999", token: f.admin, form: "name=x").body == #"{"message":"404 Not found"}"#)
        #expect(f.client.request("PATCH", "/service_accounts/abc", token: f.admin, form: "name=x").body == #"{"error":"user_id is invalid"}"#)
        #expect(f.client.request("PATCH", "/service_accounts/\(id)", token: f.admin, form: "username=owner").body
            == #"{"message":"400 Bad request - Username has already been taken"}"#)
        // Deleted as any user is.
        #expect(f.client.request("DELETE", "/users/\(id)", token: f.admin).status == 204)
        #expect(f.client.request("GET", "/service_accounts", token: f.admin).json?.arrayValue?.isEmpty == true)
    }

    // MARK: Groups and projects

    @Test func groupAccountsAreForOwnersAndAdmins() throws {
        let f = try ResourceFixture()
        let path = "/groups/\(f.group)/service_accounts"
        let created = f.client.request("POST", path, token: f.owner)
        #expect(created.status == 201, "\(created.body)")
        let username = try #require(created.json?["username"]?.stringValue)
        #expect(username.hasPrefix("service_account_group_\(f.group)_"))
        #expect(f.client.request("POST", path, token: f.admin, form: "name=By admin").status == 201)
        // A group Maintainer may not; a stranger sees no group.
        let maintainerID = f.ids["maintainer"]!
        #expect(f.client.request("POST", "/groups/\(f.group)/members", token: f.owner, form: "user_id=\(maintainerID)&access_level=40").status == 201)
        #expect(f.client.request("POST", path, token: f.maintainer).body == #"{"message":"403 Forbidden"}"#)
        #expect(f.client.request("GET", path, token: f.maintainer).status == 403)
        #expect(f.client.request("GET", path, token: f.developer).status == 404, "a project's member does not see its private group")
        #expect(f.client.request("GET", path, token: f.outsider).body == #"{"message":"404 Group Not Found"}"#)
        #expect(f.client.request("GET", "/groups/999/service_accounts", token: f.admin).body == #"{"message":"404 Group Not Found"}"#)
        // The list holds this group's accounts alone, not the instance's nor a subgroup's.
        #expect(f.client.request("POST", "/service_accounts", token: f.admin).status == 201)
        #expect(f.client.request("POST", "/groups/\(f.ids["subgroup"]!)/service_accounts", token: f.owner).status == 201)
        let list = f.client.request("GET", path + "?sort=asc", token: f.owner)
        #expect(list.json?.arrayValue?.map { $0["name"] } == [.string("Service account user"), .string("By admin")])
    }

    @Test func groupAccountUpdateAndDelete() throws {
        let f = try ResourceFixture()
        let path = "/groups/\(f.group)/service_accounts"
        let id = try #require(f.client.request("POST", path, token: f.owner, form: "username=gsa").json?["id"]?.intValue)
        let renamed = f.client.request("PATCH", "\(path)/\(id)", token: f.owner, form: "name=Group bot&username=gsa2&email=x@example.com")
        #expect(renamed.status == 200, "\(renamed.body)")
        #expect(renamed.json?["username"] == .string("gsa2") && renamed.json?["email"]?.stringValue?.hasPrefix("gsa@noreply.") == true)
        #expect(f.client.request("PATCH", "\(path)/\(id)", token: f.owner, form: "username=owner").body
            == #"{"message":"Username has already been taken"}"#)
        // Another group's account, an instance account and a person are not this group's.
        let instance = try #require(f.client.request("POST", "/service_accounts", token: f.admin).json?["id"]?.intValue)
        let sub = try #require(f.client.request("POST", "/groups/\(f.ids["subgroup"]!)/service_accounts", token: f.owner).json?["id"]?.intValue)
        for other in [instance, sub, f.ids["owner"]!, 999] {
            #expect(f.client.request("PATCH", "\(path)/\(other)", token: f.owner, form: "name=x").body == #"{"message":"404 User Not Found"}"#)
            #expect(f.client.request("DELETE", "\(path)/\(other)", token: f.owner).body == #"{"message":"404 User Not Found"}"#)
        }
        // Its token stops working when it is deleted.
        let token = try #require(f.client.request(
            "POST", "\(path)/\(id)/personal_access_tokens", token: f.owner, form: "name=ci&scopes=api").json?["token"]?.stringValue)
        #expect(f.client.request("GET", "/user", token: token).status == 200)
        #expect(f.client.request("DELETE", "\(path)/\(id)", token: f.outsider).status == 404)
        #expect(f.client.request("DELETE", "\(path)/\(id)", token: f.owner).status == 204)
        #expect(f.client.request("GET", "/user", token: token).status == 401)
        #expect(f.client.request("GET", "/users/\(id)", token: f.admin).status == 404)
    }

    @Test func soleOwnerAccountNeedsHardDelete() throws {
        let f = try ResourceFixture()
        let path = "/groups/\(f.group)/service_accounts"
        let id = try #require(f.client.request("POST", path, token: f.owner).json?["id"]?.intValue)
        let token = try #require(f.client.request(
            "POST", "\(path)/\(id)/personal_access_tokens", token: f.owner, form: "name=ci&scopes=api").json?["token"]?.stringValue)
        #expect(f.client.request("POST", "/groups", token: token, form: "name=Bots&path=bots").status == 201)
        #expect(f.client.request("DELETE", "\(path)/\(id)", token: f.owner).body
            == #"{"message":"User cannot be removed while is the sole-owner of a group"}"#)
        #expect(f.client.request("DELETE", "\(path)/\(id)?hard_delete=true", token: f.owner).status == 204)
    }

    @Test func projectAccountsAreForMaintainers() throws {
        let f = try ResourceFixture()
        let path = "/projects/\(f.project)/service_accounts"
        let created = f.client.request("POST", path, token: f.maintainer, form: "email=psa@example.com")
        #expect(created.status == 201, "\(created.body)")
        #expect(created.json?["username"]?.stringValue?.hasPrefix("service_account_project_\(f.project)_") == true)
        #expect(created.json?["email"] == .string("psa@example.com"))
        #expect(f.client.request("POST", path, token: f.developer).status == 403)
        #expect(f.client.request("GET", path, token: f.outsider).body == #"{"message":"404 Project Not Found"}"#)
        let id = try #require(created.json?["id"]?.intValue)
        let changed = f.client.request("PATCH", "\(path)/\(id)", token: f.maintainer, form: "email=new@example.com")
        #expect(changed.json?["email"] == .string("new@example.com"), "a project's account takes an e-mail address")
        #expect(f.client.request("GET", path, token: f.maintainer).json?.arrayValue?.count == 1)
        #expect(f.client.request("DELETE", "\(path)/\(id)", token: f.maintainer).status == 204)
    }

    // MARK: Tokens

    @Test func tokensAreTheAccountsPersonalAccessTokens() throws {
        let f = try ResourceFixture()
        let path = "/groups/\(f.group)/service_accounts"
        let id = try #require(f.client.request("POST", path, token: f.owner).json?["id"]?.intValue)
        let tokens = "\(path)/\(id)/personal_access_tokens"
        let created = f.client.request("POST", tokens, token: f.owner, json: #"{"name":"ci","scopes":["api","read_user"],"description":"CI"}"#)
        #expect(created.status == 201, "\(created.body)")
        #expect(created.json?["user_id"]?.intValue == id)
        #expect(created.json?["expires_at"] == .string("2027-06-15"), "the instance's default lifetime")
        let plaintext = try #require(created.json?["token"]?.stringValue)
        #expect(plaintext.hasPrefix("glpat-"))
        let me = f.client.request("GET", "/user", token: plaintext)
        #expect(me.json?["id"]?.intValue == id && me.json?["bot"] == .bool(true))
        let list = f.client.request("GET", tokens, token: f.owner)
        #expect(list.json?.arrayValue?.count == 1 && list.json?.arrayValue?.first?["token"] == nil)
        let developerID = f.ids["developer"]!
        #expect(f.client.request("POST", "/groups/\(f.group)/members", token: f.owner, form: "user_id=\(developerID)&access_level=30").status == 201)
        #expect(f.client.request("GET", tokens, token: f.developer).body == #"{"message":"403 Forbidden"}"#)
        // Rotation: the old value dies; presenting it again to rotate revokes the family.
        let tokenID = try #require(created.json?["id"]?.intValue)
        let rotated = f.client.request("POST", "\(tokens)/\(tokenID)/rotate", token: f.owner)
        #expect(rotated.status == 200, "\(rotated.body)")
        #expect(rotated.json?["expires_at"] == .string("2026-06-22"))
        let next = try #require(rotated.json?["token"]?.stringValue)
        #expect(f.client.request("GET", "/user", token: plaintext).status == 401)
        #expect(f.client.request("GET", "/user", token: next).status == 200)
        #expect(f.client.request("POST", "\(tokens)/\(tokenID)/rotate", token: f.owner).status == 400, "already revoked")
        #expect(f.client.request("GET", "\(tokens)?state=active", token: f.owner).json?.arrayValue?.count == 1)
        // Another user's token is not the account's.
        let others = try #require(f.client.request("GET", "/personal_access_tokens?user_id=\(f.ids["owner"]!)", token: f.admin).json?.arrayValue?.first?["id"]?.intValue)
        #expect(f.client.request("DELETE", "\(tokens)/\(others)", token: f.owner).body == #"{"message":"404 Personal Access Token Not Found"}"#)
        #expect(f.client.request("POST", "\(tokens)/\(others)/rotate", token: f.owner).body == #"{"message":"404 Not Found"}"#)
        let nextID = try #require(rotated.json?["id"]?.intValue)
        #expect(f.client.request("DELETE", "\(tokens)/\(nextID)", token: f.owner).status == 204)
        #expect(f.client.request("GET", "/user", token: next).status == 401)
        // Model errors are GitLab's 422 sentences; parameters are Grape's 400.
        #expect(f.client.request("POST", tokens, token: f.owner, json: #"{"name":"x","scopes":["api"],"expires_at":"2030-01-01"}"#).body
            == #"{"message":"Expiration date must be before 2027-06-15"}"#)
        #expect(f.client.request("POST", tokens, token: f.owner, json: #"{"name":"x","scopes":["nope"]}"#).body
            == #"{"error":"scopes does not have a valid value"}"#)
    }

    @Test func tokensMayNeverExpireWhenTheInstanceAllows() throws {
        let f = try ResourceFixture(settings: InstanceSettings(serviceAccountTokenExpiry: false))
        let id = try #require(f.client.request("POST", "/groups/\(f.group)/service_accounts", token: f.owner).json?["id"]?.intValue)
        let tokens = "/groups/\(f.group)/service_accounts/\(id)/personal_access_tokens"
        let created = f.client.request("POST", tokens, token: f.owner, form: "name=ci&scopes=api")
        #expect(created.status == 201 && created.json?["expires_at"] == .null, "\(created.body)")
        let tokenID = try #require(created.json?["id"]?.intValue)
        #expect(f.client.request("POST", "\(tokens)/\(tokenID)/rotate", token: f.owner).json?["expires_at"] == .null)
        // A person's tokens still need a date.
        let person = f.client.request("POST", "/users/\(f.ids["owner"]!)/personal_access_tokens", token: f.admin, json: #"{"name":"x","scopes":["api"],"expires_at":null}"#)
        #expect(person.status == 422, "\(person.body)")
    }
}
