import JSON
import Testing
import TokenCore
import TokendTesting

/// GitLab's project and group hooks API, in GitLab's order: the resource and the caller's right
/// to manage its hooks first (the API's `before` filters), then the parameters (Grape's 400s),
/// then the hook (`hook_scope.find`: `404 Not found`), then the record (422).
struct HookAPITests {
    /// A project of carol's with one hook, and a developer of it.
    func fixture() throws -> (client: TestClient, carol: String, dave: String, project: Int, hook: Int) {
        let client = TestClient()
        let admin = try client.rootToken(scopes: ["api"])
        let carol = try client.user("carol", admin: admin)
        let dave = try client.user("dave", admin: admin)
        let project = try #require(try client.call("POST", "/projects", token: carol.token, form: "name=Hooked").json?["id"]?.intValue)
        #expect(try client.call("POST", "/projects/\(project)/members", token: carol.token, form: "user_id=\(dave.id)&access_level=30").status == 201)
        let hook = try client.call("POST", "/projects/\(project)/hooks", token: carol.token, form: "url=https://hooks.example.com/a")
        #expect(hook.status == 201, "\(hook.body)")
        return (client, carol.token, dave.token, project, try #require(hook.json?["id"]?.intValue))
    }

    @Test func aDeveloperIsRefusedBeforeTheParametersAreRead() throws {
        let f = try fixture()
        for (method, path, form) in [
            ("POST", "/projects/\(f.project)/hooks", "url=notaurl"), ("POST", "/projects/\(f.project)/hooks", ""),
            ("PUT", "/projects/\(f.project)/hooks/abc", ""), ("PUT", "/projects/\(f.project)/hooks/\(f.hook)", "url=notaurl"),
            ("GET", "/projects/\(f.project)/hooks/999", ""), ("DELETE", "/projects/\(f.project)/hooks/\(f.hook)", ""),
        ] {
            let refused = try f.client.call(method, path, token: f.dave, form: form.isEmpty ? nil : form)
            #expect(refused.status == 403, "\(method) \(path): \(refused.body)")
            #expect(refused.body == #"{"message":"403 Forbidden"}"#)
        }
    }

    @Test func aHookIdThatIsNotAnIntegerIsGrapesBadRequest() throws {
        let f = try fixture()
        for method in ["GET", "PUT", "DELETE"] {
            let refused = try f.client.call(method, "/projects/\(f.project)/hooks/abc", token: f.carol, form: method == "PUT" ? "name=x" : nil)
            #expect(refused.status == 400)
            #expect(refused.body == #"{"error":"hook_id is invalid"}"#)
        }
    }

    @Test func anotherResourcesOrAnUnknownHookIsRecordNotFound() throws {
        let f = try fixture()
        let other = try #require(try f.client.call("POST", "/projects", token: f.carol, form: "name=Other").json?["id"]?.intValue)
        for path in ["/projects/\(f.project)/hooks/999", "/projects/\(other)/hooks/\(f.hook)"] {
            for method in ["GET", "PUT", "DELETE"] {
                let missing = try f.client.call(method, path, token: f.carol, form: method == "PUT" ? "name=x" : nil)
                #expect(missing.status == 404, "\(method) \(path)")
                #expect(missing.body == #"{"message":"404 Not found"}"#)
            }
        }
    }

    @Test func anUpdateNeedsAParameterAndAUsableURL() throws {
        let f = try fixture()
        let path = "/projects/\(f.project)/hooks/\(f.hook)"
        let empty = try f.client.call("PUT", path, token: f.carol)
        #expect(empty.status == 400)
        #expect(empty.body == #"{"error":"No parameters provided"}"#)
        // An event tokend does not deliver is still a parameter GitLab declares.
        #expect(try f.client.call("PUT", path, token: f.carol, form: "issues_events=true").status == 200)
        let bad = try f.client.call("PUT", path, token: f.carol, form: "url=notaurl")
        #expect(bad.status == 422)
        #expect(bad.body == #"{"error":"Invalid url given"}"#)
        #expect(try f.client.call("GET", path, token: f.carol).json?["url"]?.stringValue == "https://hooks.example.com/a", "a refused update changes nothing")
        let renamed = try f.client.call("PUT", path, token: f.carol, form: "name=expiry")
        #expect(renamed.status == 200 && renamed.json?["name"]?.stringValue == "expiry")
    }

    @Test func aCreateChecksTheURLAfterItsParameters() throws {
        let f = try fixture()
        let missing = try f.client.call("POST", "/projects/\(f.project)/hooks", token: f.carol, form: "name=x")
        #expect(missing.status == 400)
        #expect(missing.body == #"{"error":"url is missing"}"#)
        let bad = try f.client.call("POST", "/projects/\(f.project)/hooks", token: f.carol, form: "url=notaurl")
        #expect(bad.status == 422)
        #expect(bad.body == #"{"error":"Invalid url given"}"#)
    }
    /// The secret token the store holds for the hook, opened as `tokend notify` opens it.
    func storedToken(_ client: TestClient, _ hook: Int) throws -> String? {
        let sealed = try client.repository.read { state in state.webhooks.hook(HookID(hook))?.sealedToken }
        guard let sealed else { return nil }
        let opened = WebhookTokenBox(secret: client.secret, random: .system).open(sealed, hook: HookID(hook))
        #expect(opened != nil, "the stored token opens for its hook")
        return opened
    }

    /// GitLab's `reset_token`: the secret was meant for the old receiver, so a Maintainer who
    /// points the hook elsewhere without giving a token gets a hook without one.
    @Test func aNewURLWithoutATokenDropsTheSecretToken() throws {
        let f = try fixture()
        let maintainer = try f.client.user("mia", admin: try f.client.rootToken(scopes: ["api"]))
        #expect(try f.client.call("POST", "/projects/\(f.project)/members", token: f.carol, form: "user_id=\(maintainer.id)&access_level=40").status == 201)
        let created = try f.client.call("POST", "/projects/\(f.project)/hooks", token: f.carol, form: "url=https://hooks.example.com/b&token=owner-secret")
        #expect(created.status == 201)
        let hook = try #require(created.json?["id"]?.intValue)
        let path = "/projects/\(f.project)/hooks/\(hook)"
        #expect(try storedToken(f.client, hook) == "owner-secret")

        // Other fields, and the same URL again, keep it.
        #expect(try f.client.call("PUT", path, token: maintainer.token, form: "name=renamed&push_events=false").status == 200)
        #expect(try f.client.call("PUT", path, token: maintainer.token, form: "url=https://hooks.example.com/b").status == 200)
        #expect(try storedToken(f.client, hook) == "owner-secret")

        let moved = try f.client.call("PUT", path, token: maintainer.token, form: "url=https://attacker.example.net/collect")
        #expect(moved.status == 200, "\(moved.body)")
        #expect(moved.json?["url"]?.stringValue == "https://attacker.example.net/collect")
        #expect(try storedToken(f.client, hook) == nil, "a new URL alone drops the token")

        // A new URL with a new token keeps the new token.
        #expect(try f.client.call("PUT", path, token: f.carol, form: "url=https://hooks.example.com/c&token=fresh").status == 200)
        #expect(try storedToken(f.client, hook) == "fresh")
        // A refused URL change (422) changes nothing, the token included.
        #expect(try f.client.call("PUT", path, token: f.carol, form: "url=notaurl").status == 422)
        #expect(try storedToken(f.client, hook) == "fresh")
    }

    /// A token sealed before it was bound to its hook (version 1) still opens, and the next
    /// write of the hook seals it again, bound to the hook: copied to another hook, it opens no more.
    @Test func anOldSealIsBoundToItsHookWhenTheHookIsNextWritten() throws {
        let f = try fixture()
        let other = try #require(try f.client.call("POST", "/projects/\(f.project)/hooks", token: f.carol, form: "url=https://hooks.example.com/o").json?["id"]?.intValue)
        // "old-secret" as tokend sealed it before version 2, under the test client's secret.
        let legacy = try #require(Hex.decode("0102030405060708090a0b0c9b37dc175e3896440c1ba462c9db461a1c2e50669f62b5000901"))
        try f.client.repository.write { state in
            var hook = try #require(state.webhooks.hook(HookID(f.hook)))
            hook.sealedToken = legacy
            state.put(hook)
        }
        #expect(try storedToken(f.client, f.hook) == "old-secret")
        #expect(try f.client.call("PUT", "/projects/\(f.project)/hooks/\(f.hook)", token: f.carol, form: "name=touched").status == 200)
        let resealed = try #require(try f.client.repository.read { state in state.webhooks.hook(HookID(f.hook))?.sealedToken })
        let box = WebhookTokenBox(secret: f.client.secret, random: .system)
        #expect(resealed != legacy && box.isCurrent(resealed))
        #expect(box.open(resealed, hook: HookID(f.hook)) == "old-secret")
        #expect(box.open(resealed, hook: HookID(other)) == nil, "bound to its hook")
    }
}
