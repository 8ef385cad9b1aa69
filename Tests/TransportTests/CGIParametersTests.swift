import HTTPTypes
import Testing
import TokenAPI
import TokenCore

@testable import FastCGIServer

/// The transport's side of the security review: what reaches the application from CGI
/// parameters, and what is refused before it can (finding 7: header values with CR, LF or NUL;
/// the client's `Host` never becomes the server's origin).
struct CGIParametersTests {
    func parameters(_ extra: [String: String]) -> CGIParameters {
        var pairs = ["REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v4/user", "SERVER_NAME": "tokend.example", "SERVER_PORT": "80"]
        for (k, v) in extra { pairs[k] = v }
        return CGIParameters(pairs: pairs.map { ($0.key, $0.value) })
    }

    @Test(arguments: [
        ["HTTP_HOST": "evil.example\r\nSet-Cookie: x=1"], ["HTTP_X_FORWARDED_HOST": "a\nb"], ["HTTP_SUDO": "root\r"],
        ["CONTENT_TYPE": "application/json\r\nX: y"], ["REQUEST_URI": "/api/v4/user?x=\u{1}"], ["REQUEST_URI": "/api/v4/us er"],
        ["REQUEST_URI": "/api/v4/user?é"], ["REQUEST_METHOD": "GE T"],
    ])
    func malformedHeadsAreRefused(_ extra: [String: String]) {
        guard case .failure(let error) = parameters(extra).request(body: []) else {
            Issue.record("accepted \(extra)")
            return
        }
        #expect(error == .malformed)
    }

    @Test func headersArriveAsFieldsAndTheOriginIsTheServers() throws {
        let request = try parameters(["HTTP_HOST": "evil.example", "HTTP_PRIVATE_TOKEN": "t", "HTTP_SUDO": "alice"]).request(body: []).get()
        #expect(request.head.headerFields[.privateToken] == "t")
        #expect(request.head.headerFields[.sudo] == "alice")
        #expect(request.serverOrigin == "http://tokend.example")
        #expect(request.target == "/api/v4/user")
    }

    /// An `.htaccess` in a subdirectory: the request below the script's directory; nothing
    /// else is ever cut (nginx's `SCRIPT_NAME` is the decoded request path).
    @Test(arguments: [
        ("/tk/api/v4/user?x=1", "/tk/tokend.fcgi", "/api/v4/user?x=1"),
        ("/a/b/-/health", "/a/b/tokend.fcgi", "/-/health"),
        ("/tk/tokend.fcgi", "/tk/tokend.fcgi", "/tk/tokend.fcgi"),
        ("/api/v4/user", "/tokend.fcgi", "/api/v4/user"),
        ("/api/v4/user", "/api/v4/user", "/api/v4/user"),
        ("/api/v4/projects/a%2Fb.c", "/api/v4/projects/a/b.c", "/api/v4/projects/a%2Fb.c"),
        ("/api/v4/x.y/%61.b", "/api/v4/x.y/a.b", "/api/v4/x.y/%61.b"),
        ("/tk/api/v4/user", "/other/tokend.fcgi", "/tk/api/v4/user"),
        ("/tk/x", "/tk/tokend.fcgi", "/tk/x"),
    ])
    func aSubdirectoryScriptServesTheRequestBelowIt(uri: String, script: String, target: String) throws {
        #expect(try parameters(["REQUEST_URI": uri, "SCRIPT_NAME": script]).request(body: []).get().target == target)
    }

    @Test(arguments: [
        ("tokend.example", "8443", nil, "http://tokend.example:8443"), ("_", "80", nil, "http://localhost"),
        ("::1", "8080", nil, "http://[::1]:8080"), ("a b", "80", nil, "http://localhost"),
        ("example.org", "443", "on", "https://example.org"), ("", "80", nil, "http://localhost"),
    ])
    func theOriginComesFromTheServersConfiguration(name: String, port: String, https: String?, origin: String) {
        var extra = ["SERVER_NAME": name, "SERVER_PORT": port, "HTTP_HOST": "evil.example"]
        if let https { extra["HTTPS"] = https }
        #expect(parameters(extra).serverOrigin == origin)
    }

    /// HTTPS as the web server says it (a session cookie is then `Secure`), and `REMOTE_USER`
    /// from its auth module; a client's `Remote-User` header is a header, never `REMOTE_USER`.
    @Test(arguments: [
        (["HTTPS": "on"], true), (["HTTPS": "off"], false), ([:], false), (["REQUEST_SCHEME": "https"], true),
        (["REQUEST_SCHEME": "http", "HTTPS": "on"], false), (["HTTP_X_FORWARDED_PROTO": "https"], false),
    ])
    func httpsComesFromTheServer(extra: [String: String], https: Bool) throws {
        #expect(try parameters(extra).request(body: []).get().isHTTPS == https)
    }

    @Test func remoteUserComesOnlyFromTheCGIVariable() throws {
        #expect(try parameters(["REMOTE_USER": "alice"]).request(body: []).get().remoteUser == "alice")
        #expect(try parameters(["HTTP_REMOTE_USER": "alice"]).request(body: []).get().remoteUser == nil)
        #expect(try parameters(["REMOTE_USER": ""]).request(body: []).get().remoteUser == nil)
        #expect(try parameters(["REMOTE_USER": "a\u{1}b"]).request(body: []).get().remoteUser == nil)
    }

    /// The gate's answer never depends on the body, so the transport reads none there and applies
    /// no size limit (Caddy's forward_auth sends the client's body along); elsewhere a body over
    /// the limit is refused before it is read.
    @Test func theGateReadsNoBody() throws {
        let application = Application(dependencies: APIDependencies(
            repository: InMemoryRepository(), secret: TokenSecret(bytes: Array(repeating: 1, count: 32)), clock: Clock { Timestamp(iso8601: "2026-06-15T12:00:00Z")! },
            maximumBodySize: 16))
        var asked: [Int] = []
        let gate = parameters(["REQUEST_URI": "/-/auth/read_api?project=a/b", "CONTENT_LENGTH": "1000000"])
        #expect(gate.answer(with: application) { asked.append($0); return [] }.response.status.code == 401)
        #expect(asked.isEmpty)
        let api = parameters(["REQUEST_METHOD": "POST", "REQUEST_URI": "/api/v4/users", "CONTENT_LENGTH": "1000000"])
        #expect(api.answer(with: application) { asked.append($0); return [] }.response.status.code == 413)
        #expect(asked.isEmpty)
        let small = parameters(["REQUEST_METHOD": "POST", "REQUEST_URI": "/api/v4/users", "CONTENT_LENGTH": "2"])
        _ = small.answer(with: application) { asked.append($0); return Array("{}".utf8) }
        #expect(asked == [2])
        #expect(Application.readsBody(target: "/api/v4/users?x=/-/auth"))
        #expect(!Application.readsBody(target: "/-/auth"))
        #expect(Application.readsBody(target: "/-/authx"))
    }
}
