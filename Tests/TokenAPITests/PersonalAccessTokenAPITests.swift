import JSON
import Testing
import TokenCore
import TokendTesting

/// The personal access tokens API in-process, with GitLab's status codes and bodies.
struct PersonalAccessTokenAPITests {
    let client = TestClient()

    func setUp() throws -> (admin: String, alice: User, aliceToken: String, bob: User, bobToken: String) {
        let root = try client.repository.read { $0.user(UserID(1))! }
        let alice = try client.createUser("alice")
        let bob = try client.createUser("bob")
        return (
            try client.createToken(for: root, name: "admin"), alice, try client.createToken(for: alice, name: "alice-ci"),
            bob, try client.createToken(for: bob, name: "bob-ci")
        )
    }

    @Test func listShowsAdminsEverythingAndUsersTheirOwnNonImpersonationTokens() throws {
        let s = try setUp()
        _ = try client.createToken(for: s.alice, name: "alice-imp", impersonation: true)
        let all = client.request("GET", "/personal_access_tokens", token: s.admin)
        #expect(all.status == 200)
        #expect(all.json?.arrayValue?.count == 4)
        #expect(all.header("X-Total") == "4")
        let own = client.request("GET", "/personal_access_tokens", token: s.aliceToken)
        #expect(own.json?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["alice-ci"])
        #expect(own.json?.arrayValue?.first?["last_used_ips"] != nil)
        let forAlice = client.request("GET", "/personal_access_tokens?user_id=\(s.alice.id)", token: s.admin)
        #expect(forAlice.json?.arrayValue?.count == 2)
        #expect(client.request("GET", "/personal_access_tokens?user_id=999", token: s.admin).body == #"{"message":"404 Not Found"}"#)
        #expect(client.request("GET", "/personal_access_tokens?user_id=", token: s.admin).status == 404)
        // A foreign user_id is 401 for a non-admin, before parameter validation.
        let foreign = client.request("GET", "/personal_access_tokens?user_id=\(s.bob.id)&revoked=maybe", token: s.aliceToken)
        #expect(foreign.status == 401)
        #expect(client.request("GET", "/personal_access_tokens?user_id=\(s.alice.id)", token: s.aliceToken).status == 200)
    }

    @Test func listFiltersAndReportsInvalidParametersTogether() throws {
        let s = try setUp()
        let bad = client.request("GET", "/personal_access_tokens?revoked=maybe&state=gone&created_before=soon", token: s.admin)
        #expect(bad.status == 400)
        #expect(bad.body == #"{"error":"revoked is invalid, state does not have a valid value, created_before is invalid"}"#)
        _ = client.request("DELETE", "/personal_access_tokens/self", token: s.bobToken)
        let revoked = client.request("GET", "/personal_access_tokens?revoked=true", token: s.admin)
        #expect(revoked.json?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["bob-ci"])
        let inactive = client.request("GET", "/personal_access_tokens?state=inactive", token: s.admin)
        #expect(inactive.json?.arrayValue?.count == 1)
        let active = client.request("GET", "/personal_access_tokens?state=active&sort=name_desc", token: s.admin)
        #expect(active.json?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["alice-ci", "admin"])
        #expect(client.request("GET", "/personal_access_tokens?sort=bogus", token: s.admin).status == 200)
        let searched = client.request("GET", "/personal_access_tokens?search=CI", token: s.admin)
        #expect(searched.json?.arrayValue?.isEmpty == true)
        let substring = client.request("GET", "/personal_access_tokens?search=ALICE", token: s.admin)
        #expect(substring.json?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["alice-ci"])
        let expiring = client.request("GET", "/personal_access_tokens?expires_before=2030-01-01&created_after=2020-01-01T00:00:00Z", token: s.admin)
        #expect(expiring.json?.arrayValue?.count == 3)
    }

    @Test func paginationHeadersAndLinks() throws {
        let s = try setUp()
        for i in 0..<4 { _ = try client.createToken(for: s.alice, name: "extra\(i)") }
        let page = client.request("GET", "/personal_access_tokens?per_page=2&page=2&state=active", token: s.admin)
        #expect(page.json?.arrayValue?.count == 2)
        #expect(page.header("X-Page") == "2")
        #expect(page.header("X-Per-Page") == "2")
        #expect(page.header("X-Next-Page") == "3")
        #expect(page.header("X-Prev-Page") == "1")
        #expect(page.header("X-Total") == "7")
        #expect(page.header("X-Total-Pages") == "4")
        let link = try #require(page.header("Link"))
        #expect(link.contains(#"<http://gitlab.example.com/api/v4/personal_access_tokens?page=1&per_page=2&state=active>; rel="prev""#))
        #expect(link.contains(#"rel="next""#) && link.contains(#"rel="first""#) && link.contains(#"page=4&per_page=2&state=active>; rel="last""#))
        let past = client.request("GET", "/personal_access_tokens?page=9", token: s.admin)
        #expect(past.body == "[]")
        #expect(past.header("X-Next-Page") == "")
        #expect(client.request("GET", "/personal_access_tokens?per_page=0", token: s.admin).body == #"{"error":"per_page has a value not allowed"}"#)
        #expect(client.request("GET", "/personal_access_tokens?per_page=500", token: s.admin).header("X-Per-Page") == "100")
        #expect(client.request("GET", "/personal_access_tokens?page=x", token: s.admin).body == #"{"error":"page is invalid"}"#)
    }

    @Test func showByIdFollowsTheUnauthorizedVersusNotFoundRule() throws {
        let s = try setUp()
        #expect(client.request("GET", "/personal_access_tokens/2", token: s.aliceToken).json?["name"] == .string("alice-ci"))
        #expect(client.request("GET", "/personal_access_tokens/2", token: s.admin).status == 200)
        #expect(client.request("GET", "/personal_access_tokens/3", token: s.aliceToken).body == #"{"message":"401 Unauthorized"}"#)
        #expect(client.request("GET", "/personal_access_tokens/99", token: s.aliceToken).status == 401)
        #expect(client.request("GET", "/personal_access_tokens/99", token: s.admin).body == #"{"message":"404 Not Found"}"#)
        #expect(client.request("GET", "/personal_access_tokens/abc", token: s.admin).body == #"{"error":"id is invalid"}"#)
        #expect(client.request("HEAD", "/personal_access_tokens/2", token: s.aliceToken).status == 200)
    }

    @Test func rotationIssuesASuccessorAndRevokesTheOriginal() throws {
        let s = try setUp()
        let rotated = client.request("POST", "/personal_access_tokens/2/rotate", token: s.aliceToken)
        #expect(rotated.status == 200)
        let body = try #require(rotated.json)
        #expect(body["name"] == .string("alice-ci"))
        #expect(body["token"]?.stringValue?.hasPrefix("glpat-") == true)
        #expect(body["expires_at"] == .string("2026-06-22"))
        #expect(body["last_used_at"] == .null)
        #expect(body["id"] == .integer(4))
        // The old credential no longer works; the new one does.
        let old = client.request("GET", "/personal_access_tokens/self", token: s.aliceToken)
        #expect(old.status == 401)
        let fresh = try #require(body["token"]?.stringValue)
        #expect(client.request("GET", "/personal_access_tokens/self", token: fresh).status == 200)
        // Rotating a revoked token (as admin) is a 400 with GitLab's reason.
        #expect(client.request("POST", "/personal_access_tokens/2/rotate", token: s.admin).body == #"{"message":"400 Bad request - Token already revoked"}"#)
        #expect(client.request("POST", "/personal_access_tokens/3/rotate", token: fresh).status == 401)
        #expect(client.request("POST", "/personal_access_tokens/99/rotate", token: s.admin).status == 404)
        let tooLate = client.request("POST", "/personal_access_tokens/3/rotate", token: s.admin, json: #"{"expires_at":"2030-01-01"}"#)
        #expect(tooLate.body == #"{"message":"400 Bad request - Expiration date must be before 2027-06-15"}"#)
        #expect(client.request("GET", "/personal_access_tokens/self", token: s.bobToken).status == 200)
    }

    @Test func selfRotationNeedsApiOrSelfRotateAndDetectsReuse() throws {
        let s = try setUp()
        let readOnly = try client.createToken(for: s.alice, name: "ro", scopes: ["read_api"])
        let denied = client.request("POST", "/personal_access_tokens/self/rotate", token: readOnly)
        #expect(denied.status == 403)
        #expect(denied.json?["scope"] == .string("api self_rotate api read_api"))
        let selfRotating = try client.createToken(for: s.alice, name: "sr", scopes: ["read_repository", "self_rotate"])
        let first = client.request("POST", "/personal_access_tokens/self/rotate", token: selfRotating, form: "expires_at=2026-07-01")
        #expect(first.status == 200)
        #expect(first.json?["expires_at"] == .string("2026-07-01"))
        let second = try #require(first.json?["token"]?.stringValue)
        let third = try #require(client.request("POST", "/personal_access_tokens/self/rotate", token: second).json?["token"]?.stringValue)
        // Presenting the revoked original to a rotate endpoint revokes the whole live family.
        let reuse = client.request("POST", "/personal_access_tokens/self/rotate", token: selfRotating)
        #expect(reuse.status == 401)
        #expect(reuse.json?["error_description"] == .string("Token was revoked. You have to re-authorize from the user."))
        #expect(client.request("GET", "/personal_access_tokens/self", token: third).status == 401)
        // A revoked token elsewhere is only a 401: its successors stay active.
        let other = try client.createToken(for: s.bob, name: "o")
        let successor = try #require(client.request("POST", "/personal_access_tokens/self/rotate", token: other).json?["token"]?.stringValue)
        #expect(client.request("GET", "/personal_access_tokens/self", token: other).status == 401)
        #expect(client.request("GET", "/personal_access_tokens/self", token: successor).status == 200)
    }

    @Test func revokeByIdIsIdempotentWithGitLabsMessages() throws {
        let s = try setUp()
        #expect(client.request("DELETE", "/personal_access_tokens/3", token: s.aliceToken).body == #"{"message":"400 Bad request - Not permitted to revoke"}"#)
        #expect(client.request("DELETE", "/personal_access_tokens/99", token: s.aliceToken).body == #"{"message":"404 Not found"}"#)
        #expect(client.request("DELETE", "/personal_access_tokens/3", token: s.admin).status == 204)
        #expect(client.request("DELETE", "/personal_access_tokens/3", token: s.admin).status == 204)
        #expect(client.request("GET", "/personal_access_tokens/self", token: s.bobToken).status == 401)
        let impersonation = try client.createToken(for: s.alice, name: "imp", impersonation: true)
        #expect(client.request("DELETE", "/personal_access_tokens/self", token: impersonation).status == 400)
        #expect(client.request("DELETE", "/personal_access_tokens/2", token: s.aliceToken).status == 204)
    }

    @Test func adminCreatesTokensForUsers() throws {
        let s = try setUp()
        let created = client.request("POST", "/users/\(s.alice.id)/personal_access_tokens", token: s.admin, form: "name=deploy&scopes[]=api&scopes[]=read_user")
        #expect(created.status == 201)
        #expect(created.json?["user_id"] == .integer(Int64(s.alice.id.rawValue)))
        #expect(created.json?["scopes"] == .array([.string("api"), .string("read_user")]))
        #expect(created.json?["expires_at"] == .string("2027-06-15"))
        #expect(created.json?["token"] != nil)
        let comma = client.request("POST", "/users/\(s.alice.id)/personal_access_tokens", token: s.admin, json: #"{"name":"x","scopes":"api,read_api","expires_at":"2026-08-01"}"#)
        #expect(comma.status == 201)
        #expect(comma.json?["expires_at"] == .string("2026-08-01"))
        // Order: admin check, then parameters, then the user, then the model.
        #expect(client.request("POST", "/users/999/personal_access_tokens", token: s.aliceToken).body == #"{"message":"403 Forbidden"}"#)
        #expect(client.request("POST", "/users/999/personal_access_tokens", token: s.admin).body == #"{"error":"name is missing, scopes is missing"}"#)
        #expect(client.request("POST", "/users/999/personal_access_tokens", token: s.admin, form: "name=n&scopes=api").body == #"{"message":"404 User Not Found"}"#)
        #expect(client.request("POST", "/users/\(s.alice.id)/personal_access_tokens", token: s.admin, form: "name=n&scopes=nope").body == #"{"error":"scopes does not have a valid value"}"#)
        let late = client.request("POST", "/users/\(s.alice.id)/personal_access_tokens", token: s.admin, form: "name=n&scopes=api&expires_at=2030-01-01")
        #expect(late.status == 422)
        #expect(late.body == #"{"message":"Expiration date must be before 2027-06-15"}"#)
        let sudo = client.request("POST", "/users/\(s.alice.id)/personal_access_tokens", token: s.admin, form: "name=&scopes=sudo")
        #expect(sudo.body == #"{"message":"Name can't be blank and Sudo can only be enabled for administrators"}"#)
        #expect(client.request("POST", "/users/\(s.alice.id)/personal_access_tokens", token: s.admin, form: "name=n&scopes=api&expires_at=tomorrow").body == #"{"error":"expires_at is invalid"}"#)
    }

    @Test func usersCreateLimitedTokensForThemselves() throws {
        let s = try setUp()
        let created = client.request("POST", "/user/personal_access_tokens", token: s.aliceToken, form: "name=k8s&scopes[]=k8s_proxy")
        #expect(created.status == 201)
        #expect(created.json?["expires_at"] == .string("2026-06-16"))
        #expect(created.json?["user_id"] == .integer(Int64(s.alice.id.rawValue)))
        #expect(client.request("POST", "/user/personal_access_tokens", token: s.aliceToken, form: "name=k8s&scopes[]=api").body == #"{"error":"scopes does not have a valid value"}"#)
        #expect(client.request("POST", "/user/personal_access_tokens", form: "name=k8s&scopes[]=k8s_proxy").status == 401)
    }

    @Test func associationsAndSudo() throws {
        let s = try setUp()
        let k8s = try client.createToken(for: s.alice, name: "k", scopes: ["k8s_proxy"])
        let associations = client.request("GET", "/personal_access_tokens/self/associations", token: k8s)
        #expect(associations.body == #"{"groups":[],"projects":[]}"#)
        #expect(client.request("GET", "/personal_access_tokens/self/associations?min_access_level=7", token: k8s).status == 400)
        let root = try client.repository.read { $0.user(UserID(1))! }
        let sudoToken = try client.createToken(for: root, name: "sudo", scopes: ["api", "sudo"])
        let asAlice = client.request("GET", "/user", token: sudoToken, headers: ["sudo": "alice"])
        #expect(asAlice.json?["username"] == .string("alice"))
        #expect(client.request("GET", "/user", token: s.admin, headers: ["sudo": "alice"]).json?["scope"] == .string("sudo"))
        #expect(client.request("GET", "/user", token: s.aliceToken, headers: ["sudo": "bob"]).body == #"{"message":"403 Forbidden - Must be admin to use sudo"}"#)
        #expect(client.request("GET", "/user?sudo=nobody", token: sudoToken).body == #"{"message":"404 User with ID or username 'nobody' Not Found"}"#)
    }

    @Test func expiryBoundaryAndLastUsedThrottle() throws {
        let s = try setUp()
        let today = try client.createToken(for: s.alice, name: "today", expiresAt: CivilDate(iso8601: "2026-06-16"))
        #expect(client.request("GET", "/personal_access_tokens/self", token: today).status == 200)
        client.clock.set(Timestamp(iso8601: "2026-06-16T00:00:00Z")!)
        #expect(client.request("GET", "/personal_access_tokens/self", token: today).json?["error_description"] == .string("Token is expired. You can either do re-authorization or token refresh."))
        let first = client.request("GET", "/personal_access_tokens/self", token: s.aliceToken).json?["last_used_at"]
        client.clock.advance(minutes: 5)
        #expect(client.request("GET", "/personal_access_tokens/self", token: s.aliceToken).json?["last_used_at"] == first)
        client.clock.advance(minutes: 6)
        #expect(client.request("GET", "/personal_access_tokens/self", token: s.aliceToken).json?["last_used_at"] != first)
    }
}
