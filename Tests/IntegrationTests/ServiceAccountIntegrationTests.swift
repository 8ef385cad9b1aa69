import Foundation
import JSON
import Testing

/// Service accounts through nginx and a real worker, on both stores: a group's account and an
/// instance account are created, their tokens made, used with curl, rotated and revoked; the
/// accounts and their tokens survive a restart (a fresh load of the store), and the audit log
/// names each step.
@Suite(.timeLimit(.minutes(20)))
struct ServiceAccountIntegrationTests {
    @Test(arguments: Backend.allCases)
    func accountAndTokenLifeCycle(backend: Backend) throws {
        let s = try LiveServer(backend: backend)
        defer { s.stop() }
        let admin = try s.createToken(name: "admin")
        _ = try s.createUser("owner")
        let owner = try s.createToken(user: "owner", name: "owner")
        let group = try s.request("POST", "/groups", token: owner, form: "name=Acme&path=acme")
        try #require(group.status == 201, "\(group.body)")

        let account = try s.request("POST", "/groups/acme/service_accounts", token: owner, form: "name=Deploy bot")
        #expect(account.status == 201, "\(account.body)")
        let id = try #require(account.json?["id"]?.intValue)
        let username = try #require(account.json?["username"]?.stringValue)
        #expect(username.hasPrefix("service_account_group_"))
        let tokens = "/groups/acme/service_accounts/\(id)/personal_access_tokens"
        let created = try s.request("POST", tokens, token: owner, form: "name=deploy&scopes[]=api")
        #expect(created.status == 201, "\(created.body)")
        let first = try #require(created.json?["token"]?.stringValue)
        let firstID = try #require(created.json?["id"]?.intValue)
        #expect(try s.request("GET", "/user", token: first).json?["username"] == .string(username))

        let rotated = try s.request("POST", "\(tokens)/\(firstID)/rotate", token: owner)
        #expect(rotated.status == 200, "\(rotated.body)")
        let second = try #require(rotated.json?["token"]?.stringValue)
        let secondID = try #require(rotated.json?["id"]?.intValue)
        #expect(try s.request("GET", "/user", token: first).status == 401)

        let instance = try s.request("POST", "/service_accounts", token: admin, form: "username=release-bot")
        #expect(instance.status == 201, "\(instance.body)")
        #expect(try s.request("POST", "/service_accounts", token: owner).status == 403)

        // A fresh worker loads the accounts, their owner group and the live token from the store.
        _ = s.stopWorkers()
        try s.startWorker()
        try s.waitUntilServing(workerExpected: true)
        #expect(try s.request("GET", "/user", token: second).json?["id"]?.intValue == id)
        let listed = try s.request("GET", "/groups/acme/service_accounts", token: owner)
        #expect(listed.json?.arrayValue?.map { $0["username"] } == [.string(username)])
        let all = try s.request("GET", "/service_accounts?order_by=username&sort=asc", token: admin)
        #expect(all.json?.arrayValue?.map { $0["username"]?.stringValue ?? "" } == ["release-bot", username])

        #expect(try s.request("DELETE", "\(tokens)/\(secondID)", token: owner).status == 204)
        #expect(try s.request("GET", "/user", token: second).status == 401)
        #expect(try s.request("DELETE", "/groups/acme/service_accounts/\(id)", token: owner).status == 204)
        #expect(try s.request("GET", "/users/\(id)", token: admin).status == 404)

        let events = try s.request("GET", "/audit_events?entity_type=User&entity_id=\(id)&per_page=100", token: admin)
        let names = events.json?.arrayValue?.compactMap { $0["event_name"]?.stringValue } ?? []
        // The rotated-away token presented once more is a failed authentication filed under its owner.
        #expect(names == ["user_deleted", "token_revoked", "authentication_failed", "token_rotated", "token_created", "user_created"], "\(events.body)")
        try s.tokend(["store", "check"] + (backend == .json ? ["--data", s.data] : []))
    }
}
