@testable import TokenAPI
import Foundation
import Testing
import TokenCore
import TokendTesting

/// The repository settings pages' deploy tokens in-process: created by a project's Maintainer
/// and used at the gate with HTTP Basic, refused (404) to a Developer and to an outsider, the
/// value and username shown once, revoked after a confirmation, the forms' CSRF and origin
/// checks, and a group's page for its Owner only (the API's rules, ``DeployTokenService``).
struct WebDeployTokenPageTests {
    typealias Browser = WebPageTests.Browser

    static func value(_ id: String, in body: String) -> String? { WebPageTests.value(after: "id=\"\(id)\" readonly value=\"", in: body) }

    @Test func aMaintainerCreatesUsesAndRevokesAProjectDeployToken() throws {
        let fixture = try ResourceFixture()
        let client = fixture.client
        let maintainer = try WebPageTests.signIn(client, as: "maintainer")
        let path = "/acme/tools/hammer/-/settings/repository"
        let page = maintainer.get(path)
        #expect(page.status == 200, "\(page.body)")
        WebPageTests.pageHeaders(page)
        #expect(page.body.contains("Allows read-only access to registry images."))
        #expect(page.body.contains("href=\"/acme/tools/hammer/-/settings/access_tokens\""), "linked beside the access tokens page")
        let created = maintainer.follow(maintainer.post(
            path + "/deploy_token/create",
            "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&expires_at=2026-07-01&scopes%5B%5D=read_registry&scopes%5B%5D=read_repository"))
        #expect(created.status == 200, "\(created.body)")
        #expect(created.header("Cache-Control") == "no-store")
        #expect(created.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !created.body.contains("<script>alert"))
        let value = try #require(Self.value("new_token_value", in: created.body))
        let username = try #require(Self.value("deploy_token_user", in: created.body))
        #expect(value.hasPrefix("gldt-") && username.hasPrefix("gitlab+deploy-token-"))
        let gate = "//-/auth/read_registry?project=\(fixture.project)"
        #expect(client.request("GET", gate, headers: ["Authorization": GateScenarios.basic(username, value)]).status == 204)
        let shownAgain = maintainer.get(path)
        #expect(Self.value("new_token_value", in: shownAgain.body) == nil, "shown once")
        #expect(shownAgain.body.contains(username) && shownAgain.body.contains("2026-07-01"))
        let stored = try #require(try client.repository.read { $0.deployTokens.all().first })
        #expect(stored.expiresAt == CivilDate(iso8601: "2026-07-01")!.startOfDay)
        #expect(stored.scopes == ["read_repository", "read_registry"], "GitLab's order")

        let confirm = maintainer.get(path + "/deploy_token/\(stored.id.rawValue)/revoke")
        #expect(confirm.status == 200 && confirm.body.contains("Revoke deploy token?"))
        #expect(maintainer.post(path + "/deploy_token/\(stored.id.rawValue)/revoke", "", csrf: "").status == 422)
        let revoked = maintainer.follow(maintainer.post(path + "/deploy_token/\(stored.id.rawValue)/revoke", ""))
        #expect(revoked.status == 200 && revoked.body.contains("Revoked the deploy token"))
        #expect(client.request("GET", gate, headers: ["Authorization": GateScenarios.basic(username, value)]).status == 401)
        #expect(try client.repository.read { $0.deployTokens.token(stored.id)?.revoked } == true, "revoked, not destroyed")
        #expect(!maintainer.get(path).body.contains(username), "only active tokens are listed")
        #expect(maintainer.get(path + "/deploy_token/\(stored.id.rawValue)/revoke").status == 404)
    }

    @Test func aDeveloperAnOutsiderAndAForgedFormAreRefused() throws {
        let fixture = try ResourceFixture()
        let client = fixture.client
        let developer = try WebPageTests.signIn(client, as: "developer")
        let outsider = try WebPageTests.signIn(client, as: "outsider")
        let maintainer = try WebPageTests.signIn(client, as: "maintainer")
        let path = "/acme/tools/hammer/-/settings/repository"
        let form = "name=ci&scopes%5B%5D=read_registry"
        #expect(developer.get(path).status == 404)
        #expect(developer.post(path + "/deploy_token/create", form).status == 404)
        #expect(outsider.get(path).status == 404)
        #expect(maintainer.get("/acme/tools/nothing/-/settings/repository").status == 404)
        #expect(maintainer.post(path + "/deploy_token/create", form, origin: "http://evil.example").status == 422)
        #expect(maintainer.post(path + "/deploy_token/create", form, csrf: "").status == 422)
        #expect(try client.repository.read { $0.deployTokens.all().isEmpty })

        let api = try DeployTokenScenarios.create(
            client, "/projects/\(fixture.project)/deploy_tokens", token: fixture.maintainer, json: #"{"name":"api","scopes":["read_registry"]}"#)
        #expect(developer.get(path + "/deploy_token/\(api.id)/revoke").status == 404)
        #expect(developer.post(path + "/deploy_token/\(api.id)/revoke", "").status == 404)
        #expect(maintainer.get("/groups/acme/-/settings/repository/deploy_token/\(api.id)/revoke").status == 404, "not a group Owner")
        #expect(try client.repository.read { $0.deployTokens.token(DeployTokenID(api.id))?.revoked } == false)
    }

    @Test func refusedFieldsAreShownWithTheFormKept() throws {
        let fixture = try ResourceFixture()
        let maintainer = try WebPageTests.signIn(fixture.client, as: "maintainer")
        let path = "/acme/tools/hammer/-/settings/repository/deploy_token/create"
        let noScope = maintainer.post(path, "name=kept-name")
        #expect(noScope.status == 422 && noScope.body.contains("Scopes can&#39;t be blank") && noScope.body.contains("value=\"kept-name\""))
        let badUser = maintainer.post(path, "name=x&username=a+b&scopes%5B%5D=read_registry")
        #expect(badUser.status == 422 && badUser.body.contains("Username can contain only"))
        #expect(maintainer.post(path, "name=x&scopes%5B%5D=api").status == 422, "not a deploy token scope")
        #expect(maintainer.post(path, "name=x&expires_at=soon&scopes%5B%5D=read_registry").status == 422)
        #expect(maintainer.post(path, "name=&scopes%5B%5D=read_registry").status == 422)
        #expect(try fixture.client.repository.read { $0.deployTokens.all().isEmpty })
    }

    @Test func aGroupsPageIsForItsOwner() throws {
        let fixture = try ResourceFixture()
        let client = fixture.client
        let owner = try WebPageTests.signIn(client, as: "owner")
        let path = "/groups/acme/-/settings/repository"
        let page = owner.get(path)
        #expect(page.status == 200 && page.body.contains("Group settings"), "\(page.body)")
        let created = owner.follow(owner.post(path + "/deploy_token/create", "name=pkgs&username=pkg-bot&scopes%5B%5D=read_package_registry"))
        #expect(Self.value("deploy_token_user", in: created.body) == "pkg-bot")
        let token = try #require(try client.repository.read { $0.deployTokens.all().first })
        #expect(token.resource == .group(GroupID(fixture.group)))
        #expect(try WebPageTests.signIn(client, as: "maintainer").get(path).status == 404)
    }
}
