@testable import TokenAPI
import Foundation
import JSON
import Testing
import TokenCore
import TokendTesting

/// The pages in-process, through ``Application`` as a browser reaches them: sign-in, the token
/// pages acting through the API's rules, the CSRF and origin checks, the page headers, escaping
/// and redirects. (The browser suite drives the same pages through nginx in Chromium.)
struct WebPageTests {
    static let password = "correct horse battery"
    static let origin = "http://gitlab.example.com"

    /// A signed-in browser: its cookie and the CSRF token its pages carry.
    struct Browser {
        let client: TestClient
        var cookie = ""
        var csrf = ""

        func get(_ path: String) -> TestResponse {
            client.request("GET", "/" + path, headers: cookie.isEmpty ? [:] : ["Cookie": cookie])
        }

        /// A form POST from this site's page (Origin set), with the CSRF token unless told otherwise.
        func post(_ path: String, _ form: String, csrf: String? = nil, origin: String? = WebPageTests.origin) -> TestResponse {
            var headers: [String: String] = [:]
            if !cookie.isEmpty { headers["Cookie"] = cookie }
            if let origin { headers["Origin"] = origin }
            let token = csrf ?? self.csrf
            let body = token.isEmpty ? form : "authenticity_token=\(PercentEncoding.encodeQueryComponent(token))&" + form
            return client.request("POST", "/" + path, headers: headers, form: body)
        }

        /// The page a 303 (POST-redirect-GET) sends the browser to; any other answer as it is.
        func follow(_ response: TestResponse) -> TestResponse {
            guard response.status == 303, let location = response.header("Location") else { return response }
            return get(location)
        }
    }

    static func setPassword(_ client: TestClient, _ username: String) throws {
        let hash = PasswordHasher.fastForTests.hash(password)
        try client.repository.write { state in
            let user = try #require(state.user(username: username))
            _ = try UserDirectory.setPassword(hash: hash, for: user.id, in: &state)
        }
    }

    /// A browser that has opened the sign-in form: its pre-session cookie and the form's token.
    static func atSignIn(_ client: TestClient) throws -> Browser {
        var browser = Browser(client: client)
        let form = browser.get("/users/sign_in")
        try #require(form.status == 200, "\(form.body)")
        browser.cookie = String(try #require(form.header("Set-Cookie")).split(separator: ";")[0])
        browser.csrf = try #require(Self.value(after: "name=\"authenticity_token\" value=\"", in: form.body))
        return browser
    }

    static func signIn(_ client: TestClient, as username: String) throws -> Browser {
        try setPassword(client, username)
        var browser = try atSignIn(client)
        let signedIn = browser.post("/users/sign_in", "user%5Blogin%5D=\(username)&user%5Bpassword%5D=correct+horse+battery")
        try #require(signedIn.status == 302, "\(signedIn.body)")
        let setCookie = try #require(signedIn.header("Set-Cookie"))
        browser.cookie = String(setCookie.split(separator: ";")[0])
        let page = browser.get("/-/user_settings/personal_access_tokens")
        try #require(page.status == 200, "\(page.body)")
        browser.csrf = try #require(Self.value(after: "name=\"authenticity_token\" value=\"", in: page.body))
        return browser
    }

    /// The attribute value that follows `marker` in a page.
    static func value(after marker: String, in body: String) -> String? {
        guard let start = body.range(of: marker)?.upperBound, let end = body[start...].firstIndex(of: "\"") else { return nil }
        return String(body[start..<end])
    }

    static func newToken(in body: String) -> String? { value(after: "id=\"new_token_value\" readonly value=\"", in: body) }

    static func pageHeaders(_ response: TestResponse) {
        let csp = response.header("Content-Security-Policy") ?? ""
        #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'") && csp.contains("base-uri 'none'"))
        #expect(!csp.contains("unsafe-inline"))
        #expect(response.header("X-Frame-Options") == "DENY")
        #expect(response.header("Referrer-Policy") == "same-origin")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("X-Content-Type-Options") == "nosniff")
    }

    @Test func theSignInPageHasTheHeadersAndOnlyItsOwnAssets() throws {
        let browser = Browser(client: TestClient())
        let page = browser.get("/users/sign_in")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        Self.pageHeaders(page)
        #expect(page.body.contains("<label for=\"user_login\">") && page.body.contains("<label for=\"user_password\">"))
        #expect(!page.body.contains("<style") && !page.body.contains("style=") && !page.body.contains("<script>"))
        #expect(!page.body.contains("http://") && !page.body.contains("https://"), "no asset from elsewhere")
        let css = browser.get("/-/tokend/assets/tokend.css")
        #expect(css.status == 200 && css.header("Content-Type") == "text/css; charset=utf-8" && css.body.contains(":focus-visible"))
        let js = browser.get("/-/tokend/assets/tokend.js")
        #expect(js.status == 200 && js.header("Content-Type") == "text/javascript; charset=utf-8")
        #expect(browser.get("/-/tokend/assets/other.css").status == 404)
        #expect(browser.client.request("DELETE", "//users/sign_in").status == 405)
    }

    @Test func aSignedOutBrowserIsSentToSignInAndBack() throws {
        let client = TestClient()
        let page = Browser(client: client).get("/-/user_settings/personal_access_tokens?x=1")
        #expect(page.status == 302)
        #expect(page.header("Location") == "/users/sign_in?redirect_to=%2F-%2Fuser_settings%2Fpersonal_access_tokens%3Fx%3D1")
        #expect(Browser(client: client).get("/").header("Location") == "/users/sign_in")
        _ = try client.createUser("alice")
        try Self.setPassword(client, "alice")
        let back = try Self.atSignIn(client).post(
            "/users/sign_in", "user%5Blogin%5D=alice&user%5Bpassword%5D=correct+horse+battery&redirect_to=%2Fadmin%2Fusers%3Fa%3D1")
        #expect(back.status == 302 && back.header("Location") == "/admin/users?a=1")
    }

    @Test(arguments: ["//evil.example", "https://evil.example", "/\\evil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example",
        "/%5Cevil.example", "/%252F%252Fevil.example", "javascript:alert(1)", "evil.example", "/\u{09}/evil.example"])
    func anOpenRedirectIsRefused(target: String) throws {
        let client = TestClient()
        _ = try client.createUser("alice")
        try Self.setPassword(client, "alice")
        let signedIn = try Self.atSignIn(client).post(
            "/users/sign_in", "user%5Blogin%5D=alice&user%5Bpassword%5D=correct+horse+battery&redirect_to=\(PercentEncoding.encodeQueryComponent(target))")
        #expect(signedIn.status == 302)
        #expect(signedIn.header("Location") == "/-/user_settings/personal_access_tokens")
    }

    @Test func aFailedSignInReadsTheSameForAnUnknownUser() throws {
        let client = TestClient()
        _ = try client.createUser("alice")
        try Self.setPassword(client, "alice")
        let browser = try Self.atSignIn(client)
        let wrong = browser.post("/users/sign_in", "user%5Blogin%5D=alice&user%5Bpassword%5D=nope+nope+nope")
        let unknown = browser.post("/users/sign_in", "user%5Blogin%5D=nobody&user%5Bpassword%5D=nope+nope+nope")
        #expect(wrong.status == 401 && unknown.status == 401)
        #expect(wrong.body.replacingOccurrences(of: "alice", with: "X") == unknown.body.replacingOccurrences(of: "nobody", with: "X"))
        #expect(wrong.header("Set-Cookie") == nil)
    }

    @Test func createUseRotateAndRevokeAPersonalToken() throws {
        let client = TestClient()
        _ = try client.createUser("alice")
        let browser = try Self.signIn(client, as: "alice")
        let page = browser.get("/-/user_settings/personal_access_tokens")
        Self.pageHeaders(page)
        #expect(page.body.contains("value=\"2026-07-15\""), "30 days from today, prefilled")
        #expect(page.body.contains("Grants complete read/write access to the API"))
        #expect(!page.body.contains("value=\"sudo\""), "admin scopes only for admins")
        let posted = browser.post(
            "/-/user_settings/personal_access_tokens",
            "name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&description=d&expires_at=2026-07-01&scopes%5B%5D=api")
        #expect(posted.status == 303 && posted.header("Location") == "/-/user_settings/personal_access_tokens", "\(posted.body)")
        let created = browser.follow(posted)
        #expect(created.status == 200, "\(created.body)")
        #expect(created.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!created.body.contains("<script>alert"))
        let value = try #require(Self.newToken(in: created.body))
        #expect(client.request("GET", "/user", token: value).status == 200)
        #expect(Self.newToken(in: browser.get("/-/user_settings/personal_access_tokens").body) == nil, "shown once")

        let id = try #require(try client.repository.read { state in state.tokens(ownedBy: state.user(username: "alice")!.id).first?.id.rawValue })
        let confirm = browser.get("/-/user_settings/personal_access_tokens/\(id)/rotate")
        #expect(confirm.status == 200 && confirm.body.contains("Rotate token?"))
        let rotated = browser.follow(browser.post("/-/user_settings/personal_access_tokens/\(id)/rotate", ""))
        let newValue = try #require(Self.newToken(in: rotated.body))
        #expect(client.request("GET", "/user", token: value).status == 401)
        #expect(client.request("GET", "/user", token: newValue).status == 200)

        let newID = try #require(try client.repository.read { state in state.token(digest: client.secret.digest(of: newValue))?.id.rawValue })
        let revoked = browser.follow(browser.post("/-/user_settings/personal_access_tokens/\(newID)/revoke", ""))
        #expect(revoked.status == 200 && revoked.body.contains("Revoked the token"))
        #expect(client.request("GET", "/user", token: newValue).status == 401)
        #expect(browser.get("/-/user_settings/personal_access_tokens").body.contains("Revoked"))
    }

    @Test func aTokenOfSomeoneElseIsNotFound() throws {
        let client = TestClient()
        let bob = try client.createUser("bob")
        _ = try client.createToken(for: bob, name: "bobs")
        _ = try client.createUser("alice")
        let browser = try Self.signIn(client, as: "alice")
        let bobsID = try #require(try client.repository.read { $0.tokens(ownedBy: bob.id).first?.id.rawValue })
        #expect(browser.get("/-/user_settings/personal_access_tokens/\(bobsID)/revoke").status == 404)
        #expect(browser.post("/-/user_settings/personal_access_tokens/\(bobsID)/revoke", "").status == 404)
        #expect(try client.repository.read { $0.token(TokenID(bobsID))?.revoked } == false)
        #expect(!browser.get("/-/user_settings/personal_access_tokens").body.contains("bobs"))
    }

    @Test func aFormWithoutTheSessionsTokenOrFromAnotherOriginIsRefused() throws {
        let client = TestClient()
        _ = try client.createUser("alice")
        let browser = try Self.signIn(client, as: "alice")
        let form = "name=x&scopes%5B%5D=api"
        let path = "/-/user_settings/personal_access_tokens"
        let forged = [
            browser.post(path, form, csrf: ""),
            browser.post(path, form, csrf: "0" + browser.csrf.dropFirst()),
            browser.post(path, form, origin: "http://evil.example"),
            browser.post(path, form, origin: nil),
            browser.post("/users/sign_out", "", origin: "https://gitlab.example.com"),
        ]
        for response in forged {
            #expect(response.status == 422)
            Self.pageHeaders(response)
        }
        #expect(try client.repository.read { state in state.tokens(ownedBy: state.user(username: "alice")!.id).isEmpty })
        #expect(browser.get(path).status == 200, "still signed in")
        let referer = client.request("POST", "/" + path, headers: ["Cookie": browser.cookie, "Referer": Self.origin + path],
            form: "authenticity_token=\(PercentEncoding.encodeQueryComponent(browser.csrf))&" + form)
        #expect(referer.status == 303, "a same-origin Referer stands in for a missing Origin")
    }

    @Test func signOutEndsTheSession() throws {
        let client = TestClient()
        _ = try client.createUser("alice")
        let browser = try Self.signIn(client, as: "alice")
        let out = browser.post("/users/sign_out", "")
        #expect(out.status == 302 && out.header("Location") == "/users/sign_in")
        #expect(out.header("Set-Cookie")?.contains("Max-Age=0") == true)
        #expect(browser.get("/-/user_settings/personal_access_tokens").status == 302)
    }

    @Test func anAdminBlocksAUserWhoseSessionStopsWorking() throws {
        let client = TestClient()
        _ = try client.createUser("alice")
        let alice = try Self.signIn(client, as: "alice")
        #expect(alice.get("/admin/users").status == 404, "GitLab's 404 for a non-admin")
        #expect(alice.get("/admin/credentials").status == 404)
        let root = try Self.signIn(client, as: "root")
        let users = root.get("/admin/users")
        #expect(users.status == 200 && users.body.contains("@alice"))
        #expect(root.post("/admin/users/alice/block", "").status == 200)
        #expect(alice.get("/-/user_settings/personal_access_tokens").status == 302)
        #expect(root.post("/admin/users/root/block", "").status == 403, "not themself")
        let created = root.post("/admin/users", "name=Carol&username=carol&email=carol%40example.com")
        #expect(created.status == 200 && created.body.contains("Created the user @carol"))
        let carol = try Self.signIn(client, as: "carol")
        #expect(root.post("/admin/users/carol/password", "password=short").status == 422, "GitLab's minimum length")
        #expect(root.post("/admin/users/carol/password", "password=another+long+one").status == 200)
        #expect(carol.get("/-/user_settings/personal_access_tokens").status == 302, "their sessions end")
        let again = try Self.atSignIn(client).post("/users/sign_in", "user%5Blogin%5D=carol&user%5Bpassword%5D=another+long+one")
        #expect(again.status == 302)
    }

    @Test func aProjectTokenForAMaintainerAndNotForADeveloper() throws {
        let fixture = try ResourceFixture()
        let client = fixture.client
        let maintainer = try Self.signIn(client, as: "maintainer")
        let developer = try Self.signIn(client, as: "developer")
        let path = "/acme/tools/hammer/-/settings/access_tokens"
        let page = maintainer.get(path)
        #expect(page.status == 200, "\(page.body)")
        #expect(page.body.contains("Role"))
        let created = maintainer.follow(maintainer.post(path, "name=ci&expires_at=2026-07-01&scopes%5B%5D=read_api&access_level=30"))
        let value = try #require(Self.newToken(in: created.body), "\(created.body)")
        #expect(client.request("GET", "/projects/\(fixture.project)", token: value).status == 200)
        #expect(developer.get(path).status == 404)
        #expect(developer.post(path, "name=ci&scopes%5B%5D=read_api&access_level=30").status == 404)
        #expect(maintainer.get("/acme/tools/nothing/-/settings/access_tokens").status == 404)
        #expect(maintainer.get("/groups/acme/-/settings/access_tokens").status == 404, "not a group owner")
    }

    @Test func htmlEscapesEveryInterpolatedString() {
        let name = "<b a=\"1\" b='2'>&"
        let html: HTML = "<p title=\"\(name)\">\(name)</p>"
        #expect(html.markup == "<p title=\"&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;\">&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;</p>")
    }
}
