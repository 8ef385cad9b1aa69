import JSON
import Testing

/// The audit log through the API, as scenarios any ``GitLabClient`` runs: in-process in
/// TokenAPITests, through nginx and a worker in IntegrationTests.
public enum AuditScenarios {
    /// Every kind of event, each with the actor who caused it, read back through
    /// `GET /audit_events`. Returns every token value the scenario saw, so a caller can check
    /// that none of them reached the audit files.
    @discardableResult
    public static func everyEventTypeWithItsActor(_ client: some GitLabClient) throws -> [String] {
        var values: [String] = []
        let admin = try client.rootToken(scopes: ["api", "sudo"])
        values.append(admin)
        let alice = try client.user("alice", admin: admin)
        values.append(alice.token)

        // Rotation by alice, then reuse of the old token: its family is revoked.
        let rotated = try client.call("POST", "/personal_access_tokens/self/rotate", token: alice.token)
        let successor = try #require(rotated.json?["token"]?.stringValue, "\(rotated.body)")
        let successorID = try #require(rotated.json?["id"]?.intValue)
        values.append(successor)
        #expect(try client.call("POST", "/personal_access_tokens/self/rotate", token: alice.token).status == 401)

        // Revocation by the administrator.
        let spare = try client.call("POST", "/users/\(alice.id)/personal_access_tokens", token: admin, form: "name=spare&scopes=api")
        let spareID = try #require(spare.json?["id"]?.intValue)
        values.append(try #require(spare.json?["token"]?.stringValue))
        #expect(try client.call("DELETE", "/personal_access_tokens/\(spareID)", token: admin).status == 204)

        // Failed authentications: unknown (twice, folded), revoked, scope, blocked.
        for _ in 0..<2 { #expect(try client.call("GET", "/user", token: "glpat-notatokenatallxxxxxxxx").status == 401) }
        #expect(try client.call("GET", "/user", token: successor).status == 401)
        let reader = try client.user("reader", admin: admin, scopes: "read_api")
        values.append(reader.token)
        #expect(try client.call("POST", "/projects", token: reader.token, form: "name=x").status == 403)
        let bob = try client.user("bob", admin: admin)
        values.append(bob.token)
        #expect(try client.call("POST", "/users/\(bob.id)/block", token: admin).status == 201)
        #expect(try client.call("GET", "/user", token: bob.token).status == 403)
        #expect(try client.call("POST", "/users/\(bob.id)/unblock", token: admin).status == 201)

        // The admin token API, by value (in the body only).
        let looked = try client.call("POST", "/admin/token", token: admin, json: #"{"token":"\#(reader.token)"}"#)
        #expect(looked.status == 200, "\(looked.body)")
        #expect(try client.call("DELETE", "/admin/token", token: admin, json: #"{"token":"\#(reader.token)"}"#).status == 204)

        // Members, by a project's owner; one change made through Sudo by the administrator.
        let carol = try client.user("carol", admin: admin)
        values.append(carol.token)
        let dave = try client.user("dave", admin: admin)
        values.append(dave.token)
        let project = try #require(try client.call("POST", "/projects", token: carol.token, form: "name=Audited").json?["id"]?.intValue)
        #expect(try client.call("POST", "/projects/\(project)/members", token: carol.token, form: "user_id=\(dave.id)&access_level=30").status == 201)
        #expect(try client.call(
            "PUT", "/projects/\(project)/members/\(dave.id)", token: admin, headers: ["Sudo": "carol"], form: "access_level=40").status == 200)
        #expect(try client.call("DELETE", "/projects/\(project)/members/\(dave.id)", token: carol.token).status == 204)
        let hook = try client.call(
            "POST", "/projects/\(project)/hooks", token: carol.token, form: "url=https://hooks.example.com/x&token=hooksecret&resource_access_token_events=true")
        #expect(hook.status == 201, "\(hook.body)")
        #expect(try client.call("DELETE", "/users/\(bob.id)", token: admin).status == 204)

        try client.settleAudit()
        let events = try all(client, admin: admin)
        func find(_ name: String, _ where: (JSONValue) -> Bool = { _ in true }) -> JSONValue? {
            events.first { $0["event_name"]?.stringValue == name && `where`($0) }
        }
        func details(_ event: JSONValue?) -> JSONValue? { event?["details"] }

        let created = find("user_created") { details($0)?["target_details"] == .string("alice") }
        #expect(created?["author_id"] == .integer(1))
        #expect(details(created)?["author_name"] == .string("Administrator"))
        #expect(details(created)?["ip_address"]?.stringValue?.isEmpty == false)
        let issued = find("token_created") { $0["entity_id"] == .integer(Int64(alice.id)) }
        #expect(issued?["author_id"] == .integer(1))
        #expect(issued?["entity_type"] == .string("User"))
        let rotation = find("token_rotated")
        #expect(rotation?["author_id"] == .integer(Int64(alice.id)))
        #expect(details(rotation)?["target_id"] == .integer(Int64(successorID)))
        let reuse = find("token_reuse_detected")
        #expect(details(reuse)?["related_token_ids"] == .array([.integer(Int64(successorID))]), "\(String(describing: reuse))")
        #expect(reuse?["author_id"] == .integer(Int64(alice.id)))
        let revoked = find("token_revoked") { details($0)?["target_id"] == .integer(Int64(spareID)) }
        #expect(revoked?["author_id"] == .integer(1))
        let unknown = find("authentication_failed") { details($0)?["reason"] == .string("unknown") }
        #expect(details(unknown)?["count"] == .integer(2), "\(String(describing: unknown))")
        #expect(unknown?["author_id"] == .integer(-1))
        for reason in ["revoked", "scope", "blocked"] {
            #expect(find("authentication_failed") { details($0)?["reason"] == .string(reason) } != nil, "\(reason)")
        }
        #expect(find("admin_token_looked_up")?["author_id"] == .integer(1))
        #expect(find("admin_token_revoked")?["author_id"] == .integer(1))
        for name in ["user_blocked", "user_unblocked", "user_deleted"] {
            let event = find(name) { details($0)?["target_details"] == .string("bob") }
            #expect(event?["author_id"] == .integer(1), "\(name)")
        }
        let added = find("member_added")
        #expect(added?["author_id"] == .integer(Int64(carol.id)))
        #expect(added?["entity_type"] == .string("Project") && added?["entity_id"] == .integer(Int64(project)))
        #expect(details(added)?["add"] == .string("user_access") && details(added)?["as"] == .string("Developer"))
        let changed = find("member_changed")
        #expect(changed?["author_id"] == .integer(Int64(carol.id)), "acting as carol")
        #expect(details(changed)?["sudoer_id"] == .integer(1))
        #expect(details(changed)?["from"] == .string("Developer") && details(changed)?["to"] == .string("Maintainer"))
        #expect(find("member_removed")?["author_id"] == .integer(Int64(carol.id)))
        #expect(find("hook_created")?["author_id"] == .integer(Int64(carol.id)))

        // Nothing in any event is a token value, nor the hook's secret.
        let everything = events.map { "\($0)" }.joined()
        for value in values { #expect(!everything.contains(value)) }
        #expect(!everything.contains("hooksecret"))
        values.append("hooksecret")
        return values
    }

    /// Project and group audit events, as EE serves them: all of them for the resource's
    /// Maintainers/Owners, a Developer's own alone (`filter_by_author`), 403 below Developer,
    /// 404 for a stranger; only that resource's events; the window is bounded.
    public static func resourceEventsFollowGitLabsAccess(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let owner = try client.user("owner", admin: admin)
        let developer = try client.user("developer", admin: admin)
        let stranger = try client.user("stranger", admin: admin)
        let project = try #require(try client.call("POST", "/projects", token: owner.token, form: "name=P").json?["id"]?.intValue)
        let other = try #require(try client.call("POST", "/projects", token: owner.token, form: "name=Q").json?["id"]?.intValue)
        #expect(try client.call("POST", "/projects/\(project)/members", token: owner.token, form: "user_id=\(developer.id)&access_level=30").status == 201)
        #expect(try client.call("POST", "/projects/\(other)/members", token: owner.token, form: "user_id=\(stranger.id)&access_level=10").status == 201)
        let mine = try client.call("GET", "/projects/\(project)/audit_events", token: owner.token)
        #expect(mine.status == 200)
        let list = try #require(mine.json?.arrayValue)
        #expect(list.count == 2, "the creator made Owner, then the developer added")
        #expect(list.allSatisfy { $0["entity_id"] == .integer(Int64(project)) && $0["entity_type"] == .string("Project") })
        #expect(mine.header("X-Total") == "2")
        #expect(list.first?["details"]?["as"] == .string("Developer"), "newest first")
        let id = try #require(list.first?["id"]?.intValue)
        #expect(try client.call("GET", "/projects/\(project)/audit_events/\(id)", token: owner.token).status == 200)
        #expect(try client.call("GET", "/projects/\(other)/audit_events/\(id)", token: owner.token).status == 404)
        // A Developer reads only what they did: nothing yet, then a Developer bot's own rotation.
        let developers = try client.call("GET", "/projects/\(project)/audit_events", token: developer.token)
        #expect(developers.status == 200 && developers.json?.arrayValue?.isEmpty == true && developers.header("X-Total") == "0")
        #expect(try client.call("GET", "/projects/\(project)/audit_events/\(id)", token: developer.token).status == 404)
        let bot = try #require(try client.call(
            "POST", "/projects/\(project)/access_tokens", token: owner.token, form: "name=ci&scopes=api&access_level=30").json?["token"]?.stringValue)
        let rotated = try #require(try client.call("POST", "/projects/\(project)/access_tokens/self/rotate", token: bot).json?["token"]?.stringValue)
        let own = try #require(try client.call("GET", "/projects/\(project)/audit_events", token: rotated).json?.arrayValue)
        #expect(own.map { $0["event_name"] } == [.string("token_rotated")])
        let all = try client.call("GET", "/projects/\(project)/audit_events", token: owner.token).json?.arrayValue ?? []
        #expect(all.count > own.count && all.contains { $0["event_name"] == .string("token_created") })
        #expect(try client.call("GET", "/projects/\(other)/audit_events", token: stranger.token).status == 403, "a Guest")
        #expect(try client.call("GET", "/projects/\(project)/audit_events", token: stranger.token).status == 404)
        #expect(try client.call("GET", "/audit_events", token: owner.token).status == 403)
        #expect(try client.call("GET", "/audit_events/\(id)", token: owner.token).status == 403)
        let tooWide = try client.call(
            "GET", "/audit_events?created_after=2020-01-01T00:00:00Z&created_before=2020-03-01T00:00:00Z", token: admin)
        #expect(tooWide.status == 400)
        // created_after alone runs until now: more than 30 days back is the same 400, not a
        // silently shortened window.
        let longAgo = try client.call("GET", "/audit_events?created_after=2020-01-01", token: admin)
        #expect(longAgo.status == 400 && longAgo.body == tooWide.body, "\(longAgo.body)")
        #expect(try client.call("GET", "/audit_events?created_after=1970-01-01T00:00:00Z", token: admin).status == 400)
        let filtered = try client.call("GET", "/audit_events?entity_type=Project&entity_id=\(other)", token: admin)
        #expect(filtered.json?.arrayValue?.count == 2)
        let paged = try client.call("GET", "/audit_events?per_page=2&page=2", token: admin)
        #expect(paged.header("X-Page") == "2" && paged.header("X-Per-Page") == "2")
        #expect(paged.json?.arrayValue?.count == 2)
        #expect(try client.call("GET", "/audit_events/999999", token: admin).body == #"{"message":"404 Not found"}"#)
        #expect(try client.call("GET", "/audit_events/abc", token: admin).body == #"{"error":"id is invalid"}"#)
        // Access before parameters, as GitLab's `before` filters run ahead of Grape's validation.
        #expect(try client.call("GET", "/audit_events/abc", token: owner.token).status == 403)
        #expect(try client.call("GET", "/audit_events?created_after=garbage", token: owner.token).status == 403)
    }

    /// Every event the administrator can list (the last 30 days, newest first).
    static func all(_ client: some GitLabClient, admin: String) throws -> [JSONValue] {
        var events: [JSONValue] = []
        for page in 1...20 {
            let response = try client.call("GET", "/audit_events?per_page=100&page=\(page)", token: admin)
            guard response.status == 200, let items = response.json?.arrayValue else { throw ScenarioError("audit events: \(response.body)") }
            events += items
            if items.count < 100 { break }
        }
        return events
    }
}
