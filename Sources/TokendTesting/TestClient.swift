import HTTPTypes
public import JSON
public import Logging
import Synchronization
public import TokenAPI
public import TokenCore

/// An in-process GitLab client over ``Application``: the same requests the integration suite
/// sends through nginx, answered without a socket. For handler tests.
public struct TestClient: Sendable {
    public let application: Application
    public let repository: InMemoryRepository
    public let secret: TokenSecret
    public let clock: MutableClock

    /// A fresh instance with `root` (id 1, admin) and the given settings, at `now`. The
    /// application sees `repository` wrapped by `wrap` (a ``FaultyRepository``, say) and logs to
    /// `logger`.
    public init(
        now: Timestamp = Timestamp(iso8601: "2026-06-15T12:00:00Z")!, settings: InstanceSettings = .default,
        externalURL: String? = "http://gitlab.example.com", logger: Logger = Logger(label: "tokend-test"),
        wrap: (any TokenRepository) -> any TokenRepository = { $0 }, passwordHasher: PasswordHasher = .fastForTests,
        sessionPolicy: WebSessionPolicy = .default, signInThrottle: SignInThrottle = SignInThrottle(), webServerSignIn: String? = nil,
        gateSessions: Bool = false
    ) {
        let clock = MutableClock(now)
        let repository = InMemoryRepository()
        let secret = TokenSecret(bytes: Array(repeating: 7, count: 32))
        let random = RandomSource.seeded(1)
        let web = WebSignInConfiguration(
            signIn: SignInService(secret: secret, random: random, hasher: passwordHasher, policy: sessionPolicy, throttle: signInThrottle),
            webServerSignIn: webServerSignIn, gateAcceptsSessions: gateSessions)
        let dependencies = APIDependencies(
            repository: wrap(repository), secret: secret, random: random, clock: clock.clock,
            settings: settings, externalURL: externalURL, logger: logger, web: web)
        self.clock = clock
        self.repository = repository
        self.secret = secret
        self.application = Application(dependencies: dependencies)
        _ = try? repository.write { state in
            state.put(User(
                id: state.allocateUserID(), username: "root", name: "Administrator", email: "admin@example.com",
                isAdmin: true, createdAt: clock.now))
        }
    }

    /// Creates a user directly in the store.
    @discardableResult
    public func createUser(_ username: String, admin: Bool = false, bot: Bool = false, state userState: User.State = .active) throws -> User {
        let now = clock.now
        return try repository.write { state in
            let user = User(
                id: state.allocateUserID(), username: username, name: username.prefix(1).uppercased() + username.dropFirst(), email: "\(username)@example.com",
                isAdmin: admin, isBot: bot, state: userState, createdAt: now)
            state.put(user)
            return user
        }
    }

    /// Issues a token directly in the store and returns its plaintext.
    public func createToken(
        for user: User, name: String = "test", scopes: [String] = ["api"], expiresAt: CivilDate? = nil,
        impersonation: Bool = false, revoked: Bool = false
    ) throws -> String {
        let issuer = application.dependencies.issuer
        let expiry = expiresAt ?? issuer.defaultExpiry
        return try repository.write { state in
            var issued = try issuer.create(
                TokenRequest(name: name, scopes: scopes.map(Scope.init(rawValue:)), expiresAt: expiry, impersonation: impersonation), for: user,
                in: &state)
            if revoked {
                issued.token.revoked = true
                state.put(issued.token)
            }
            return issued.plaintext
        }
    }

    /// Sends a request; `json` becomes an `application/json` body, `form` a form body, and
    /// `bytes` a body of exactly those bytes with `contentType`. Header names that are not
    /// HTTP tokens are dropped, as a transport would. `path` is below `/api/v4` unless it starts
    /// with `//` (`//-/metrics` is `/-/metrics`). `requestID` is what a transport would give it.
    public func request(
        _ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:],
        json: String? = nil, form: String? = nil, bytes: [UInt8]? = nil, contentType: String? = nil,
        from remoteAddress: String = "127.0.0.1", requestID: String? = nil
    ) -> TestResponse {
        var fields = HTTPFields()
        for (name, value) in headers { if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) } }
        if let token { fields[.privateToken] = token }
        var body: [UInt8] = []
        if let bytes {
            if let contentType { fields[.contentType] = contentType }
            body = bytes
        } else if let json {
            fields[.contentType] = "application/json"
            body = Array(json.utf8)
        } else if let form {
            fields[.contentType] = "application/x-www-form-urlencoded"
            body = Array(form.utf8)
        }
        guard let method = HTTPRequest.Method(method) else { preconditionFailure("not an HTTP method: \(method)") }
        let target = path.hasPrefix("//") ? String(path.dropFirst()) : "/api/v4" + path
        let request = APIRequest(
            method: method, target: target, headerFields: fields, body: body, remoteAddress: remoteAddress,
            serverOrigin: "http://127.0.0.1:8080", requestID: requestID)
        return TestResponse(application.respond(to: request))
    }
}

/// A response, with its body parsed as JSON when it is JSON.
public struct TestResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: String
    public let json: JSONValue?

    public init(status: Int, headers: [(name: String, value: String)], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
        json = try? JSONParser.parse(Array(body.utf8))
    }

    public init(_ response: APIResponse) {
        self.init(
            status: response.status.code, headers: response.headerFields.map { ($0.name.rawName, $0.value) },
            body: String(decoding: response.body, as: UTF8.self))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A clock tests move by hand.
public final class MutableClock: Sendable {
    private let storage: Mutex<Timestamp>

    public init(_ start: Timestamp) { storage = Mutex(start) }

    public var now: Timestamp { storage.withLock { $0 } }

    public func advance(minutes: Int64) { storage.withLock { $0 = $0.adding(minutes: minutes) } }

    public func set(_ instant: Timestamp) { storage.withLock { $0 = instant } }

    public var clock: Clock { Clock { [self] in self.now } }
}

extension TokenDigest {
    /// A distinct digest named by a label, for fixtures that need a token record but no token.
    public static func test(_ label: String) -> TokenDigest {
        TokenSecret(bytes: Array(repeating: 0, count: 32)).digest(of: label)
    }
}
