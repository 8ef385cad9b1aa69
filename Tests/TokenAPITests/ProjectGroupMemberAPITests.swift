import JSON
import Testing
import TokenCore
import TokendTesting

/// Groups, projects and members in-process: creation, paths, visibility and who may manage.
struct ProjectGroupMemberAPITests {
    @Test func groupsAndProjectsHaveFullPathsAndAnswerByIdOrEncodedPath() throws {
        let f = try ResourceFixture()
        let project = f.client.request("GET", "/projects/\(f.project)", token: f.developer)
        #expect(project.status == 200)
        #expect(project.json?["path_with_namespace"] == .string("acme/tools/hammer"))
        #expect(project.json?["name_with_namespace"] == .string("Acme / Tools / Hammer"))
        #expect(project.json?["namespace"]?["full_path"] == .string("acme/tools"))
        #expect(project.json?["visibility"] == .string("private"))
        #expect(f.client.request("GET", "/projects/acme%2Ftools%2Fhammer", token: f.developer).json?["id"]?.intValue == f.project)
        #expect(f.client.request("GET", "/projects/ACME%2Ftools%2FHammer", token: f.developer).status == 200)
        #expect(f.client.request("GET", "/groups/acme%2Ftools", token: f.owner).json?["full_name"] == .string("Acme / Tools"))
        // Private: invisible to non-members, whether it exists or not.
        #expect(f.client.request("GET", "/projects/\(f.project)", token: f.outsider).body == #"{"message":"404 Project Not Found"}"#)
        #expect(f.client.request("GET", "/projects/999", token: f.outsider).body == #"{"message":"404 Project Not Found"}"#)
        #expect(f.client.request("GET", "/groups/\(f.group)", token: f.outsider).body == #"{"message":"404 Group Not Found"}"#)
        #expect(f.client.request("GET", "/groups/\(f.group)", token: f.admin).status == 200)
        // Anonymous: private ones are 404 like any invisible one; a bad token is still a 401.
        #expect(f.client.request("GET", "/projects/\(f.project)").body == #"{"message":"404 Project Not Found"}"#)
        #expect(f.client.request("GET", "/projects/\(f.project)", token: "glpat-nope").status == 401)
        #expect(f.client.request("GET", "/projects/\(f.project)/members").status == 401)
    }

    @Test func creationValidatesLikeGitLab() throws {
        let f = try ResourceFixture()
        #expect(f.client.request("POST", "/groups", token: f.owner, form: "name=X").body == #"{"error":"path is missing"}"#)
        #expect(f.client.request("POST", "/groups", token: f.owner, form: "name=X&path=acme").status == 400)
        #expect(f.client.request("POST", "/groups", token: f.owner, form: "name=X&path=owner").body.contains("has already been taken"))
        #expect(f.client.request("POST", "/users", token: f.admin, form: "username=ACME&name=A&email=acme@example.com").body == #"{"message":"Username has already been taken"}"#)
        #expect(f.client.request("POST", "/groups", token: f.developer, form: "name=X&path=x&parent_id=\(f.group)").status == 404)
        #expect(f.client.request("POST", "/projects", token: f.owner).body == #"{"error":"name, path are missing, at least one parameter must be provided"}"#)
        #expect(f.client.request("POST", "/projects", token: f.owner, form: "name=Hammer&namespace_id=acme%2Ftools").body == #"{"message":{"path":["has already been taken"]}}"#)
        #expect(f.client.request("POST", "/projects", token: f.outsider, form: "name=P&namespace_id=\(f.group)").body == #"{"message":"404 Namespace Not Found"}"#)
        let personal = f.client.request("POST", "/projects", token: f.outsider, form: "name=My Thing&visibility=public")
        #expect(personal.status == 201)
        #expect(personal.json?["path_with_namespace"] == .string("outsider/my-thing"))
        #expect(personal.json?["namespace"]?["kind"] == .string("user"))
        // Public: everyone sees it, signed in or not.
        #expect(f.client.request("GET", "/projects/outsider%2Fmy-thing", token: f.developer).status == 200)
        #expect(f.client.request("GET", "/projects/outsider%2Fmy-thing").json?["visibility"] == .string("public"))
        #expect(f.client.request("POST", "/projects", token: f.owner, form: "name=Z&visibility=secret").body == #"{"error":"visibility does not have a valid value"}"#)
    }

    @Test func membersAreManagedByAdministratorsUpToTheirOwnLevel() throws {
        let f = try ResourceFixture()
        let members = f.client.request("GET", "/projects/\(f.project)/members", token: f.developer)
        #expect(members.json?.arrayValue?.compactMap { $0["access_level"]?.intValue } == [40, 30])
        #expect(members.header("X-Total") == "2")
        let outsider = f.ids["outsider"]!
        let path = "/projects/\(f.project)/members"
        #expect(f.client.request("POST", path, token: f.developer, form: "user_id=\(outsider)&access_level=10").body == #"{"message":"403 Forbidden"}"#)
        #expect(f.client.request("POST", path, token: f.maintainer, form: "user_id=\(outsider)&access_level=50").status == 403)
        #expect(f.client.request("POST", path, token: f.maintainer, form: "user_id=\(outsider)&access_level=11").body == #"{"message":{"access_level":["is not included in the list"]}}"#)
        #expect(f.client.request("POST", path, token: f.maintainer, form: "user_id=999&access_level=10").body == #"{"message":"404 User Not Found"}"#)
        #expect(f.client.request("POST", path, token: f.maintainer, form: "access_level=10").body == #"{"error":"user_id is missing"}"#)
        let added = f.client.request("POST", path, token: f.maintainer, form: "user_id=\(outsider)&access_level=20&expires_at=2026-12-31")
        #expect(added.status == 201)
        #expect(added.json?["expires_at"] == .string("2026-12-31"))
        #expect(added.json?["created_by"]?["username"] == .string("maintainer"))
        #expect(f.client.request("POST", path, token: f.maintainer, form: "user_id=\(outsider)&access_level=20").body == #"{"message":"Member already exists"}"#)
        #expect(f.client.request("GET", "/projects/\(f.project)", token: f.outsider).status == 200)
        #expect(f.client.request("PUT", "\(path)/\(outsider)", token: f.maintainer, form: "access_level=30").json?["access_level"]?.intValue == 30)
        #expect(f.client.request("PUT", "\(path)/999", token: f.maintainer, form: "access_level=30").body == #"{"message":"404 Not found"}"#)
        #expect(f.client.request("GET", "\(path)/\(outsider)", token: f.developer).json?["access_level"]?.intValue == 30)
        #expect(f.client.request("DELETE", "\(path)/\(outsider)", token: f.developer).status == 403)
        #expect(f.client.request("DELETE", "\(path)/\(outsider)", token: f.maintainer).status == 204)
        #expect(f.client.request("GET", "/projects/\(f.project)", token: f.outsider).status == 404)
        // A group keeps its last Owner.
        let owner = f.ids["owner"]!
        #expect(f.client.request("DELETE", "/groups/\(f.group)/members/\(owner)", token: f.owner).status == 403)
        #expect(f.client.request("PUT", "/groups/\(f.group)/members/\(owner)", token: f.owner, form: "access_level=40").status == 403)
    }

    @Test func associationsListWhatTheTokensUserCanReach() throws {
        let f = try ResourceFixture()
        let all = f.client.request("GET", "/personal_access_tokens/self/associations", token: f.developer)
        #expect(all.json?["groups"]?.arrayValue?.isEmpty == true)
        let projects = try #require(all.json?["projects"]?.arrayValue)
        #expect(projects.count == 1)
        #expect(projects.first?["access_levels"]?["project_access_level"]?.intValue == 30)
        #expect(projects.first?["access_levels"]?["group_access_level"] == .null)
        #expect(projects.first?["namespace"]?["full_path"] == .string("acme/tools"))
        let owner = f.client.request("GET", "/personal_access_tokens/self/associations", token: f.owner)
        #expect(owner.json?["groups"]?.arrayValue?.compactMap { $0["access_levels"]?.intValue } == [50, 50])
        #expect(owner.json?["projects"]?.arrayValue?.first?["access_levels"]?["group_access_level"]?.intValue == 50)
        let filtered = f.client.request("GET", "/personal_access_tokens/self/associations?min_access_level=40", token: f.developer)
        #expect(filtered.body == #"{"groups":[],"projects":[]}"#)
        #expect(f.client.request("GET", "/personal_access_tokens/self/associations?min_access_level=7", token: f.developer).status == 400)
        #expect(f.client.request("GET", "/personal_access_tokens/self/associations?per_page=1&page=2", token: f.owner).json?["groups"]?.arrayValue?.first?["name"] == .string("Tools"))
    }
}

extension ProjectGroupMemberAPITests {
    @Test func deletingAUserDeletesTheirPersonalProjectsAndTheirBots() throws {
        let f = try ResourceFixture()
        let personal = f.client.request("POST", "/projects", token: f.outsider, form: "name=Mine")
        let projectID = try #require(personal.json?["id"]?.intValue)
        let bot = f.client.request("POST", "/projects/\(projectID)/access_tokens", token: f.outsider, json: #"{"name":"ci","scopes":["api"]}"#)
        let botToken = try #require(bot.json?["token"]?.stringValue)
        let botID = try #require(bot.json?["user_id"]?.intValue)
        #expect(f.client.request("DELETE", "/users/\(f.ids["outsider"]!)", token: f.admin).status == 204)
        #expect(f.client.request("GET", "/projects/\(projectID)", token: f.admin).body == #"{"message":"404 Project Not Found"}"#)
        #expect(f.client.request("GET", "/users/\(botID)", token: f.admin).status == 404)
        #expect(f.client.request("GET", "/user", token: botToken).status == 401)
        // The path is free again for a new user of the same name.
        let again = try f.client.createUser("outsider")
        let token = try f.client.createToken(for: again)
        #expect(f.client.request("POST", "/projects", token: token, form: "name=Mine").json?["path_with_namespace"] == .string("outsider/mine"))
    }
}

extension ProjectGroupMemberAPITests {
    @Test func membersAllAddsInheritedMembersAtTheirHighestLevel() throws {
        let f = try ResourceFixture()
        let path = "/projects/acme%2Ftools%2Fhammer/members"
        // Direct: maintainer and developer. Inherited: owner (Owner of acme).
        #expect(f.client.request("GET", path, token: f.developer).json?.arrayValue?.count == 2)
        let all = f.client.request("GET", "\(path)/all", token: f.developer)
        #expect(all.json?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["owner", "maintainer", "developer"])
        #expect(all.header("X-Total") == "3")
        // The developer is also a Reporter of acme: the higher level counts.
        let developer = f.ids["developer"]!
        #expect(f.client.request("POST", "/groups/\(f.group)/members", token: f.owner, form: "user_id=\(developer)&access_level=20").status == 201)
        #expect(f.client.request("GET", "\(path)/all/\(developer)", token: f.developer).json?["access_level"]?.intValue == 30)
        #expect(f.client.request("GET", "\(path)/all/\(f.ids["owner"]!)", token: f.developer).json?["access_level"]?.intValue == 50)
        #expect(f.client.request("GET", "\(path)/\(f.ids["owner"]!)", token: f.developer).body == #"{"message":"404 Not found"}"#)
        #expect(f.client.request("GET", "\(path)/all/\(f.ids["outsider"]!)", token: f.developer).status == 404)
        #expect(f.client.request("GET", "\(path)/all", token: f.outsider).status == 404)
        let subgroup = f.client.request("GET", "/groups/acme%2Ftools/members/all", token: f.owner)
        #expect(subgroup.json?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["owner", "developer"])
    }
}
