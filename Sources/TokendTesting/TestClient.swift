import JSON
import Synchronization
import TokenAPI
import TokenCore

/// An in-process GitLab client over ``Application``: the same requests the integration suite
/// sends through nginx, answered without a socket. For handler tests.
public struct TestClient: Sendable {
    public let application: Application
    public let repository: InMemoryRepository
    public let secret: TokenSecret
    public let clock: MutableClock

    /// A fresh instance with `root` (id 1, admin) and the given settings, at `now`.
    public init(
        now: Timestamp = Timestamp(iso8601: "2026-06-15T12:00:00Z")!, settings: InstanceSettings = .default,
        externalURL: String? = "http://gitlab.example.com"
    ) {
        let clock = MutableClock(now)
        let repository = InMemoryRepository()
        let secret = TokenSecret(bytes: Array(repeating: 7, count: 32))
        let environment = APIEnvironment(
            repository: repository, secret: secret, random: .seeded(1), clock: clock.clock, settings: settings,
            externalURL: externalURL)
        self.clock = clock
        self.repository = repository
        self.secret = secret
        self.application = Application(environment: environment)
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
        let issuer = application.environment.issuer
        let expiry = expiresAt ?? issuer.defaultExpiry
        return try repository.write { state in
            var issued = try issuer.create(
                TokenRequest(name: name, scopes: scopes, expiresAt: expiry, impersonation: impersonation), for: user,
                in: &state)
            if revoked {
                issued.token.revoked = true
                state.put(issued.token)
            }
            return issued.plaintext
        }
    }

    /// Sends a request; `json` becomes an `application/json` body, `form` a form body, and
    /// `bytes` a body of exactly those bytes with `contentType`.
    public func request(
        _ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:],
        json: String? = nil, form: String? = nil, bytes: [UInt8]? = nil, contentType: String? = nil
    ) -> TestResponse {
        var allHeaders = headers
        if let token { allHeaders["private-token"] = token }
        var body: [UInt8] = []
        if let bytes {
            if let contentType { allHeaders["content-type"] = contentType }
            body = bytes
        } else if let json {
            allHeaders["content-type"] = "application/json"
            body = Array(json.utf8)
        } else if let form {
            allHeaders["content-type"] = "application/x-www-form-urlencoded"
            body = Array(form.utf8)
        }
        let request = APIRequest(
            method: method, target: "/api/v4" + path, headers: allHeaders, body: body, remoteAddress: "127.0.0.1",
            origin: "http://127.0.0.1:8080")
        return TestResponse(application.respond(to: request))
    }
}

/// A response, with its body parsed as JSON when it is JSON.
public struct TestResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: String
    public let json: JSONValue?

    init(_ response: APIResponse) {
        status = response.status
        headers = response.headers
        body = String(decoding: response.body, as: UTF8.self)
        json = try? JSONParser.parse(response.body)
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
