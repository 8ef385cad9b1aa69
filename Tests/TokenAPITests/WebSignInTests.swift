@testable import TokenAPI
import HTTPTypes
import JSON
import Testing
import TokenCore
import TokendTesting

/// The HTTP side of signing in (``WebSignIn``, ``SessionCookie``, ``SignedInUser``) in-process:
/// cookies and their flags, the web server's sign-in, pages acting through the same contexts
/// as the API, passwords through the Users API, and the gate with a session.
struct WebSignInTests {
    static let password = "correct horse battery"

    /// `alice` with a password set through the Users API, as an admin would.
    func client(webServerSignIn: String? = nil, gateSessions: Bool = false, policy: WebSessionPolicy = .default) throws -> (TestClient, User) {
        let client = TestClient(sessionPolicy: policy, webServerSignIn: webServerSignIn, gateSessions: gateSessions)
        let root = try #require(try client.repository.read { $0.user(username: "root") })
        let token = try client.createToken(for: root, scopes: ["api"])
        let created = client.request(
            "POST", "/users", token: token,
            json: #"{"username":"alice","name":"Alice","email":"alice@example.com","password":"\#(Self.password)"}"#)
        #expect(created.status == 201)
        #expect(!created.body.contains("password"), "never in an entity")
        return (client, try #require(try client.repository.read { $0.user(username: "alice") }))
    }

    func request(_ method: HTTPRequest.Method = .get, cookie: String? = nil, https: Bool = false, headers: HTTPFields = [:]) -> APIRequest {
        var fields = headers
        if let cookie { fields[.cookie] = cookie }
        var request = APIRequest(method: method, target: "/users/sign_in", headerFields: fields, remoteAddress: "192.0.2.10")
        request.isHTTPS = https
        return request
    }

    func signIn(_ client: TestClient, https: Bool = false) throws -> (SignedInUser, String) {
        let outcome = try WebSignIn.signIn(request(.post, https: https), login: "alice", password: Self.password, dependencies: client.application.dependencies)
        guard case .signedIn(let user, let cookie) = outcome else { Issue.record("refused: \(outcome)"); throw CancellationError() }
        return (user, cookie)
    }

    /// The `name=value` part of a Set-Cookie, as a browser sends it back.
    func cookieHeader(_ setCookie: String) -> String { String(setCookie.split(separator: ";")[0]) }

    @Test(arguments: [false, true])
    func cookieFlags(https: Bool) throws {
        let (client, _) = try client()
        let (_, setCookie) = try signIn(client, https: https)
        let attributes = setCookie.split(separator: ";").map { $0.trimmingPrefix(" ") }
        #expect(attributes.contains("HttpOnly"))
        #expect(attributes.contains("SameSite=Lax"))
        #expect(attributes.contains("Path=/"))
        #expect(attributes.contains("Secure") == https)
        #expect(setCookie.hasPrefix("_tokend_session="))
        let cleared = try WebSignIn.signOut(request(.post, cookie: cookieHeader(setCookie), https: https), dependencies: client.application.dependencies)
        #expect(cleared.hasPrefix("_tokend_session=;"))
        #expect(cleared.contains("Max-Age=0"))
        #expect(cleared.contains("Secure") == https)
    }

    @Test func theCookieFindsTheUserUntilSignOut() throws {
        let (client, alice) = try client()
        let (signedIn, setCookie) = try signIn(client)
        let dependencies = client.application.dependencies
        let found = try #require(try WebSignIn.signedInUser(request(cookie: "a=b; " + cookieHeader(setCookie) + "; c=d"), dependencies: dependencies))
        #expect(found.user.id == alice.id)
        #expect(found.setCookie == nil)
        #expect(found.csrfToken == signedIn.csrfToken)
        #expect(found.checkCSRFToken(signedIn.csrfToken))
        #expect(!found.checkCSRFToken(nil) && !found.checkCSRFToken("x"))
        _ = try WebSignIn.signOut(request(.post, cookie: cookieHeader(setCookie)), dependencies: dependencies)
        #expect(try WebSignIn.signedInUser(request(cookie: cookieHeader(setCookie)), dependencies: dependencies) == nil)
    }

    @Test func aRefusalReadsTheSameForUnknownAndWrongAndIs429WhenThrottled() throws {
        let (client, _) = try client()
        let dependencies = client.application.dependencies
        for login in ["alice", "nobody"] {
            guard case .refused(let refusal) = try WebSignIn.signIn(request(.post), login: login, password: "wrong one", dependencies: dependencies) else {
                Issue.record("signed in")
                continue
            }
            #expect(refusal.message == "Invalid login or password.")
        }
        for _ in 0..<8 { _ = try WebSignIn.signIn(request(.post), login: "nobody", password: "x", dependencies: dependencies) }
        guard case .refused(let refusal) = try WebSignIn.signIn(request(.post), login: "alice", password: Self.password, dependencies: dependencies)
        else { Issue.record("the eleventh attempt from one address went through"); return }
        #expect(refusal == .throttled)
    }

    /// Parsing is bounded: a cookie past 8 KB of `Cookie` headers is not looked for, and
    /// malformed ids never reach the store.
    @Test func cookieParsingIsBounded() throws {
        let (client, _) = try client()
        let (_, setCookie) = try signIn(client)
        let dependencies = client.application.dependencies
        let padding = "p=" + String(repeating: "x", count: SessionCookie.maximumHeaderBytes)
        #expect(try WebSignIn.signedInUser(request(cookie: padding + "; " + cookieHeader(setCookie)), dependencies: dependencies) == nil)
        for value in ["", "short", String(repeating: "A", count: 44), String(repeating: "*", count: 43), String(repeating: ";", count: 100_000)] {
            #expect(SessionCookie.sessionID(inCookieHeader: ("_tokend_session=" + value)[...]) == nil, "\(value.prefix(10))")
        }
        let started = ContinuousClock.now
        _ = SessionCookie.sessionID(in: request(cookie: String(repeating: "a=b;", count: 250_000)))
        #expect(ContinuousClock.now - started < .seconds(5), "linear, and cut at 8 KB")
    }

    @Test(arguments: [nil, "REMOTE_USER", "X-Remote-User"] as [String?])
    func theWebServersSignIn(source: String?) throws {
        let (client, alice) = try client(webServerSignIn: source)
        let dependencies = client.application.dependencies
        var vouched = request()
        vouched.remoteUser = "alice"
        vouched.head.headerFields[HTTPField.Name("X-Remote-User")!] = "alice"
        let found = try WebSignIn.signedInUser(vouched, dependencies: dependencies)
        if source == nil {
            #expect(found == nil, "off by default: neither REMOTE_USER nor any header signs anyone in")
            return
        }
        let user = try #require(found)
        #expect(user.user.id == alice.id)
        let setCookie = try #require(user.setCookie)
        #expect(user.session.method == "web_server")
        // With its cookie, the next request uses the session: no new one.
        vouched.head.headerFields[.cookie] = cookieHeader(setCookie)
        #expect(try WebSignIn.signedInUser(vouched, dependencies: dependencies)?.setCookie == nil)
        #expect(try client.repository.read { $0.webSessions.count } == 1)
        // A blocked user is not signed in by the web server's word.
        try client.repository.write { state in _ = try UserDirectory.setBlocked(true, alice.id, in: &state) }
        var fresh = request()
        fresh.remoteUser = "alice"
        fresh.head.headerFields[HTTPField.Name("X-Remote-User")!] = "alice"
        #expect(try WebSignIn.signedInUser(fresh, dependencies: dependencies) == nil)
    }

    /// A page's context is the API's: the same services, the same rule checks; its writes
    /// re-check the session inside the transaction.
    @Test func aPageActsThroughTheSameContext() throws {
        let (client, alice) = try client()
        let (signedIn, _) = try signIn(client)
        let context = signedIn.context(for: request(.post))
        #expect(context.caller?.user.id == alice.id)
        #expect(!context.isAdmin)
        #expect(throws: HTTPError.self) { try context.requireAdmin() }
        let issuer = context.issuer
        let created = try context.write { state in
            try issuer.create(TokenRequest(name: "from a page", scopes: [.readAPI], expiresAt: issuer.defaultExpiry), for: alice, in: &state)
        }
        #expect(created.token.userID == alice.id)
        let audit = client.repository.auditEvents.last
        #expect(audit?.name == .tokenCreated && audit?.actor.userID == alice.id)
        // Blocked elsewhere: the next write from the old session's context is refused.
        try client.repository.write { state in _ = try UserDirectory.setBlocked(true, alice.id, in: &state) }
        #expect(throws: AuthenticationFailure.self) {
            try context.write { state in
                _ = try issuer.create(TokenRequest(name: "too late", scopes: [.readAPI], expiresAt: issuer.defaultExpiry), for: alice, in: &state)
            }
        }
    }

    @Test func changingThePasswordKeepsThisSessionAndEndsTheOthers() throws {
        let (client, _) = try client()
        let dependencies = client.application.dependencies
        let (first, firstCookie) = try signIn(client)
        let (_, secondCookie) = try signIn(client)
        #expect(try WebSignIn.changePassword(first, current: "not it", new: "a new password", request: request(.post), dependencies: dependencies)
            == .currentPasswordInvalid)
        #expect(try WebSignIn.changePassword(first, current: Self.password, new: "short", request: request(.post), dependencies: dependencies)
            == .invalid(FieldError("password", "is too short (minimum is 8 characters)")))
        #expect(try WebSignIn.changePassword(first, current: Self.password, new: "a new password", request: request(.post), dependencies: dependencies)
            == nil)
        #expect(try WebSignIn.signedInUser(request(cookie: cookieHeader(firstCookie)), dependencies: dependencies) != nil)
        #expect(try WebSignIn.signedInUser(request(cookie: cookieHeader(secondCookie)), dependencies: dependencies) == nil)
        #expect(client.repository.auditEvents.contains { $0.name == .userPasswordUpdated })
    }

    @Test func anAdminSetsAPasswordAndTheUsersSessionsEnd() throws {
        let (client, alice) = try client()
        let dependencies = client.application.dependencies
        let (aliceSignedIn, aliceCookie) = try signIn(client)
        #expect(throws: HTTPError.self) {
            _ = try WebSignIn.setPassword("another password", of: UserID(1), by: aliceSignedIn, request: request(.post), dependencies: dependencies)
        }
        let hash = dependencies.web.signIn.hasher.hash("root password")
        try client.repository.write { state in _ = try UserDirectory.setPassword(hash: hash, for: UserID(1), in: &state) }
        guard case .signedIn(let root, _) = try WebSignIn.signIn(request(.post), login: "root", password: "root password", dependencies: dependencies)
        else { Issue.record("root could not sign in"); return }
        #expect(try WebSignIn.setPassword("short", of: alice.id, by: root, request: request(.post), dependencies: dependencies)
            == FieldError("password", "is too short (minimum is 8 characters)"))
        #expect(try WebSignIn.setPassword("a fresh password", of: alice.id, by: root, request: request(.post), dependencies: dependencies) == nil)
        #expect(try WebSignIn.signedInUser(request(cookie: cookieHeader(aliceCookie)), dependencies: dependencies) == nil)
        guard case .signedIn = try WebSignIn.signIn(request(.post), login: "alice", password: "a fresh password", dependencies: dependencies)
        else { Issue.record("the new password does not sign alice in"); return }
        let event = client.repository.auditEvents.last { $0.name == .userPasswordUpdated }
        #expect(event?.actor.userID == UserID(1) && event?.target.details == "alice")
    }

    @Test(arguments: [("1234567", "is too short (minimum is 8 characters)"), (String(repeating: "x", count: 129), "is too long (maximum is 128 characters)")])
    func theUsersAPIRefusesBadPasswords(password: String, message: String) throws {
        let client = TestClient()
        let root = try #require(try client.repository.read { $0.user(username: "root") })
        let token = try client.createToken(for: root, scopes: ["api"])
        let refused = client.request(
            "POST", "/users", token: token, json: #"{"username":"bob","name":"Bob","email":"bob@example.com","password":"\#(password)"}"#)
        #expect(refused.status == 400)
        #expect(refused.json?["message"]?["password"] == .array([.string(message)]))
        #expect(try client.repository.read { $0.user(username: "bob") } == nil)
    }

    @Test func theGateAcceptsASessionOnlyWhenTurnedOn() throws {
        for on in [false, true] {
            let (client, alice) = try client(gateSessions: on)
            let (_, setCookie) = try signIn(client)
            let answer = client.request("GET", "//-/auth", headers: ["Cookie": cookieHeader(setCookie)])
            #expect(answer.status == (on ? 204 : 401))
            guard on else { continue }
            #expect(answer.header("X-Tokend-User-Id") == String(alice.id.rawValue))
            #expect(answer.header("X-Tokend-Username") == "alice")
            #expect(answer.header("X-Tokend-Token-Id") == "")
            #expect(answer.header("X-Tokend-Scopes") == "api")
            #expect(client.request("GET", "//-/auth/read_repository", headers: ["Cookie": cookieHeader(setCookie)]).status == 403)
            #expect(client.request("GET", "//-/auth?project=nowhere/none", headers: ["Cookie": cookieHeader(setCookie)]).status == 403)
            #expect(client.request("GET", "//-/auth", headers: ["Cookie": "_tokend_session=" + String(repeating: "A", count: 43)]).status == 401)
            try client.repository.write { state in _ = try UserDirectory.setBlocked(true, alice.id, in: &state) }
            #expect(client.request("GET", "//-/auth", headers: ["Cookie": cookieHeader(setCookie)]).status == 401)
        }
    }

    @Test func theGatesRefusalNamesTheSignInPageWithTheWholeTargetEncoded() throws {
        let (off, _) = try client(gateSessions: false)
        #expect(off.request("GET", "//-/auth", headers: ["X-Forwarded-Uri": "/tools/report"]).header("X-Tokend-Sign-In") == nil)
        let (client, _) = try client(gateSessions: true)
        let refused = client.request("GET", "//-/auth", headers: ["X-Forwarded-Uri": "/tools/report?a=1&b=%2F"])
        #expect(refused.status == 401)
        #expect(refused.header("X-Tokend-Sign-In") == "/users/sign_in?redirect_to=%2Ftools%2Freport%3Fa%3D1%26b%3D%252F")
        // Not a path of this origin, or no target at all: the sign-in page alone.
        for target in ["//evil.example/x", "https://evil.example/", nil] {
            let headers = target.map { ["X-Forwarded-Uri": $0] } ?? [:]
            #expect(client.request("GET", "//-/auth", headers: headers).header("X-Tokend-Sign-In") == "/users/sign_in")
        }
        // A refusal that is not a 401 names nothing.
        let (_, setCookie) = try signIn(client)
        let forbidden = client.request("GET", "//-/auth/read_repository", headers: ["Cookie": cookieHeader(setCookie), "X-Forwarded-Uri": "/tools/"])
        #expect(forbidden.status == 403)
        #expect(forbidden.header("X-Tokend-Sign-In") == nil)
    }
}
