import JSON
import Testing
import TokenCore
import TokendTesting

/// Security review, findings 3, 6 and 8: request input is parsed in linear time within bounds
/// no GitLab client reaches (GitLab's plain 400 past them), stored strings have length limits
/// (GitLab's where it has them), and JSON strings must be valid UTF-8 without NUL.
///
/// The time limit is a hang guard, not a measurement: before the fix the first body below
/// took over a minute of CPU. (It is generous because it also counts the time a test waits for
/// a free thread while the integration suites run.)
@Suite(.timeLimit(.minutes(20)))
struct InputBoundsTests {
    static let malformed = "Bad Request"

    func admin(_ client: TestClient) throws -> String {
        try client.createToken(for: try client.repository.read { $0.user(UserID(1))! }, name: "admin")
    }

    @Test func aMegabyteOfRepeatedListFieldsIsRefusedBeforeAuthentication() throws {
        let client = TestClient()
        let body = String(repeating: "scopes[]=api&", count: 78_000)
        #expect(body.utf8.count < 1 << 20)
        for token in [nil, try admin(client)] {
            let response = client.request("POST", "/users/1/personal_access_tokens", token: token, form: body)
            #expect(response.status == 400)
            #expect(response.body == Self.malformed)
            #expect(response.header("Content-Type") == "text/plain")
        }
    }

    @Test func aThousandFieldsPassAndOneMoreDoesNot() throws {
        let client = TestClient()
        let token = try admin(client)
        let fields = (0..<1_000).map { "f\($0)=x" }
        #expect(client.request("GET", "/user?" + fields.joined(separator: "&"), token: token).status == 200)
        #expect(client.request("GET", "/user?" + (fields + ["one=more"]).joined(separator: "&"), token: token).body == Self.malformed)
        // Query and body count together.
        let half = fields.prefix(600).joined(separator: "&")
        #expect(client.request("POST", "/user/personal_access_tokens?" + half, token: token, form: half).body == Self.malformed)
    }

    @Test(arguments: [
        String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
        #"{"scopes":["# + Array(repeating: "1", count: 20_000).joined(separator: ",") + "]}",
        #"{"name":1"# + String(repeating: "0", count: 500) + "}",
    ])
    func deepLargeOrLongJSONIsRefused(_ body: String) throws {
        let client = TestClient()
        let response = client.request("POST", "/users/1/personal_access_tokens", token: try admin(client), json: body)
        #expect(response.status == 400)
        #expect(response.body == Self.malformed)
    }

    @Test func jsonStringsMustBeUTF8WithoutNUL() throws {
        let client = TestClient()
        let token = try admin(client)
        let invalid: [UInt8] = Array(#"{"name":"a"#.utf8) + [0xC3, 0x28] + Array(#"","scopes":["api"]}"#.utf8)
        let response = client.request("POST", "/users/1/personal_access_tokens", token: token, bytes: invalid, contentType: "application/json")
        #expect(response.status == 400)
        #expect(response.body == Self.malformed)
        #expect(client.request("POST", "/users/1/personal_access_tokens", token: token, json: #"{"name":"a\u0000b","scopes":["api"]}"#).body == Self.malformed)
        #expect(client.request("POST", "/users/1/personal_access_tokens", token: token, form: "name=a%00b&scopes=api").body == Self.malformed)
        #expect(client.request("GET", "/users/1%00", token: token).body == Self.malformed)
        // A well-formed name with a real é still works, in both encodings.
        #expect(client.request("POST", "/users/1/personal_access_tokens", token: token, json: #"{"name":"caf\u00e9","scopes":["api"]}"#).json?["name"] == .string("café"))
        #expect(client.request("POST", "/users/1/personal_access_tokens", token: token, form: "name=caf%C3%A9&scopes=api").json?["name"] == .string("café"))
    }

    @Test func aTargetPastTheBoundIsRefused() throws {
        let client = TestClient()
        let token = try admin(client)
        #expect(client.request("GET", "/user?" + String(repeating: "a", count: 17_000), token: token).status == 414)
        #expect(client.request("GET", "/user?" + String(repeating: "a", count: 16_000), token: token).status == 200)
    }

    @Test func tokenNamesAreBoundedOnEveryEndpoint() throws {
        let f = try ResourceFixture()
        let long = String(repeating: "n", count: 1_001)
        let expected = #"{"message":{"name":["is too long (maximum is 1000 characters)"]}}"#
        let alice = f.ids["owner"]!
        #expect(f.client.request("POST", "/users/\(alice)/personal_access_tokens", token: f.admin, form: "name=\(long)&scopes=api").body == expected)
        #expect(f.client.request("POST", "/users/\(alice)/impersonation_tokens", token: f.admin, form: "name=\(long)&scopes=api&expires_at=2026-07-01").body == expected)
        #expect(f.client.request("POST", "/projects/\(f.project)/access_tokens", token: f.maintainer, form: "name=\(long)&scopes=api").body == expected)
        #expect(f.client.request("POST", "/users/\(alice)/personal_access_tokens", token: f.admin, form: "name=\(long.dropLast())&scopes=api").status == 201)
        // A failed resource token leaves no bot behind.
        #expect(f.client.request("GET", "/projects/\(f.project)/members", token: f.maintainer).json?.arrayValue?.count == 2)
    }

    @Test func projectGroupAndUserFieldsHaveGitLabsLimits() throws {
        let f = try ResourceFixture()
        let n256 = String(repeating: "n", count: 256)
        #expect(f.client.request("POST", "/projects", token: f.owner, form: "name=\(n256)").body == #"{"message":{"name":["is too long (maximum is 255 characters)"],"path":["is too long (maximum is 255 characters)"]}}"#)
        #expect(f.client.request("POST", "/projects", token: f.owner, form: "name=ok&description=\(String(repeating: "d", count: 2_001))").body == #"{"message":{"description":["is too long (maximum is 2000 characters)"]}}"#)
        #expect(f.client.request("POST", "/projects", token: f.owner, form: "name=ok&description=\(String(repeating: "d", count: 2_000))").status == 201)
        #expect(f.client.request("POST", "/groups", token: f.owner, form: "name=\(n256)&path=longname").body == #"{"message":"Failed to save group {name: [\"is too long (maximum is 255 characters)\"]}"}"#)
        #expect(f.client.request("POST", "/groups", token: f.owner, form: "name=G&path=g&description=\(String(repeating: "d", count: 501))").body == #"{"message":"Failed to save group {description: [\"is too long (maximum is 500 characters)\"]}"}"#)
        #expect(f.client.request("POST", "/users", token: f.admin, form: "username=u&email=u@x&name=\(n256)").body == #"{"message":{"name":["is too long (maximum is 255 characters)"]}}"#)
    }

    @Test func searchTermsAreBounded() throws {
        let f = try ResourceFixture()
        let long = String(repeating: "s", count: 4_097)
        #expect(f.client.request("GET", "/personal_access_tokens?search=\(long)", token: f.admin).body == #"{"error":"search is expected to have length less than or equal to 4096"}"#)
        #expect(f.client.request("GET", "/projects/\(f.project)/members?query=\(long)", token: f.owner).status == 400)
        #expect(f.client.request("GET", "/personal_access_tokens?search=\(long.dropLast())", token: f.admin).status == 200)
    }

    @Test(arguments: [
        ("abc", "xxabcxx", true), ("aab", "aaab", true), ("abab", "abaabab", true), ("abc", "ab", false),
        ("ABC", "xabcx", true), ("", "anything", true), ("aaaa", "aaabaaa", false), ("café", "UN CAFÉ", true),
    ])
    func substringSearchIsASubstringSearch(pattern: String, text: String, found: Bool) {
        #expect(SubstringSearch(pattern).occurs(in: text) == found)
    }
}
