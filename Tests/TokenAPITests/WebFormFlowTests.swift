@testable import TokenAPI
import Foundation
import Testing
import TokenCore
import TokendTesting

/// The forms' flow in-process: the sign-in form's CSRF token bound to a pre-session cookie
/// (login CSRF), and POST-redirect-GET after a token form, the new value kept sealed in the
/// session and shown once.
struct WebFormFlowTests {
    typealias Browser = WebPageTests.Browser
    static let signInForm = "user%5Blogin%5D=alice&user%5Bpassword%5D=correct+horse+battery"

    @Test func theSignInFormSetsAPreSessionCookieAndCarriesItsToken() throws {
        let client = TestClient()
        let form = Browser(client: client).get("/users/sign_in")
        let setCookie = try #require(form.header("Set-Cookie"))
        let attributes = setCookie.split(separator: ";").map { $0.trimmingPrefix(" ") }
        #expect(attributes.first?.hasPrefix("_tokend_presession=") == true)
        #expect(attributes.contains("Path=/users/sign_in") && attributes.contains("HttpOnly") && attributes.contains("SameSite=Lax"))
        #expect(!attributes.contains("Secure"), "plain HTTP")
        let browser = try WebPageTests.atSignIn(client)
        #expect(!browser.csrf.isEmpty)
        let again = browser.get("/users/sign_in")
        #expect(again.header("Set-Cookie") == nil, "the browser keeps its pre-session")
        #expect(WebPageTests.value(after: "name=\"authenticity_token\" value=\"", in: again.body) == browser.csrf)
        #expect(try WebPageTests.atSignIn(client).csrf != browser.csrf, "each browser its own")
    }

    @Test func aForgedSignInIsRefusedWith422() throws {
        let client = TestClient()
        _ = try client.createUser("alice")
        try WebPageTests.setPassword(client, "alice")
        let victim = try WebPageTests.atSignIn(client)
        let attacker = try WebPageTests.atSignIn(client)
        var noCookie = victim
        noCookie.cookie = ""
        var noToken = victim
        noToken.csrf = ""
        var othersToken = victim
        othersToken.csrf = attacker.csrf
        let forged = [
            Browser(client: client).post("/users/sign_in", Self.signInForm),
            noCookie.post("/users/sign_in", Self.signInForm),
            noToken.post("/users/sign_in", Self.signInForm),
            othersToken.post("/users/sign_in", Self.signInForm),
            victim.post("/users/sign_in", Self.signInForm, csrf: "0" + victim.csrf.dropFirst()),
            victim.post("/users/sign_in", Self.signInForm, origin: "http://evil.example"),
            victim.post("/users/sign_in", Self.signInForm, origin: nil),
        ]
        for response in forged {
            #expect(response.status == 422, "\(response.body)")
            #expect(response.header("Set-Cookie") == nil)
            WebPageTests.pageHeaders(response)
        }
        #expect(try client.repository.read { $0.webSessions.count } == 0, "no session started")
        let signedIn = victim.post("/users/sign_in", Self.signInForm)
        #expect(signedIn.status == 302 && signedIn.header("Set-Cookie")?.hasPrefix("_tokend_session=") == true)
    }

    @Test func aReloadAfterCreatingCreatesNoSecondTokenAndTheValueIsShownOnce() throws {
        let client = TestClient()
        _ = try client.createUser("alice")
        let browser = try WebPageTests.signIn(client, as: "alice")
        let path = "/-/user_settings/personal_access_tokens"
        let posted = browser.post(path, "name=once&scopes%5B%5D=api")
        #expect(posted.status == 303 && posted.header("Location") == path)
        #expect(posted.header("Cache-Control") == "no-store" && posted.body.isEmpty)
        let tokens = { try client.repository.read { state in state.tokens(ownedBy: state.user(username: "alice")!.id) } }
        let created = try #require(try tokens().first)
        #expect(try tokens().count == 1)

        // Kept in the session's record, sealed: the value is nowhere in the store.
        let kept = try #require(try client.repository.read { $0.webSessions.all().first?.flash })
        let shown = browser.get(path)
        #expect(shown.header("Cache-Control") == "no-store")
        let value = try #require(WebPageTests.newToken(in: shown.body))
        #expect(client.secret.digest(of: value) == created.digest)
        #expect(!kept.contains(value) && !kept.contains(Array(value.utf8).map { String(format: "%02x", $0) }.joined()))
        #expect(posted.header("Location")?.contains(value) == false && posted.header("Set-Cookie") == nil)
        #expect(try client.repository.read { $0.webSessions.all().first?.flash } == nil, "cleared when shown")

        let reloaded = browser.get(path)
        #expect(WebPageTests.newToken(in: reloaded.body) == nil, "shown once")
        #expect(try tokens().count == 1, "a reload creates nothing")
    }

    @Test func aFlashOpensOnlyForItsOwnSession() throws {
        let sessions = WebSessionSecret(secret: TestClient().secret)
        let id = WebSessionSecret.newID(.system)
        let other = WebSessionSecret.newID(.system)
        let flash = PageFlash.newDeployToken(name: "n", username: "u", value: "gldt-secret")
        let sealed = try #require(sessions.seal(flash.encoded, forSession: id))
        #expect(sessions.open(sealed, forSession: id).flatMap(PageFlash.init(decoding:)) == flash)
        #expect(sessions.open(sealed, forSession: other) == nil)
        let flipped = String(sealed.prefix(30)) + (sealed.dropFirst(30).first == "0" ? "1" : "0") + sealed.dropFirst(31)
        #expect(sessions.open(flipped, forSession: id) == nil, "changed in the store: refused")
        #expect(sessions.open("zz", forSession: id) == nil)
        #expect(PageFlash(decoding: [1, 0, 9, 65]) == nil, "a field longer than the bytes")
    }
}
