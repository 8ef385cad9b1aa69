import JSON
import Testing
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
}
