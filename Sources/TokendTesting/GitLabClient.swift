import JSON
import TokenAPI
import TokenCore

/// A GitLab API client for handler scenarios: the application in-process (``TestClient``) or a
/// live nginx and worker (`LiveServer`, in the integration tests). A scenario written against
/// this protocol is written once and runs both ways.
public protocol GitLabClient: Sendable {
    /// Sends a request below `/api/v4`; `json` and `form` become the body with their content type.
    func send(_ method: String, _ path: String, token: String?, headers: [String: String], json: String?, form: String?) throws
        -> TestResponse
    /// A new token of the administrator `root`, with these scopes.
    func rootToken(scopes: [String]) throws -> String
    /// Lets batched failed authentications reach the audit log (a flush in-process; through
    /// a worker, the wait for its next batch).
    func settleAudit() throws
}

extension GitLabClient {
    /// ``send(_:_:token:headers:json:form:)`` with defaults.
    public func call(
        _ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:], json: String? = nil,
        form: String? = nil
    ) throws -> TestResponse {
        try send(method, path, token: token, headers: headers, json: json, form: form)
    }

    /// Creates a user through the API and returns its id and a personal access token.
    public func user(_ username: String, admin: String, scopes: String = "api") throws -> (id: Int, token: String) {
        let created = try call("POST", "/users", token: admin, form: "username=\(username)&name=\(username)&email=\(username)@example.com")
        guard let id = created.json?["id"]?.intValue else { throw ScenarioError("user \(username): \(created.status) \(created.body)") }
        let token = try call("POST", "/users/\(id)/personal_access_tokens", token: admin, form: "name=\(username)&scopes=\(scopes)")
        guard let value = token.json?["token"]?.stringValue else { throw ScenarioError("token for \(username): \(token.body)") }
        return (id, value)
    }
}

extension TestClient: GitLabClient {
    public func send(_ method: String, _ path: String, token: String?, headers: [String: String], json: String?, form: String?)
        -> TestResponse
    {
        request(method, path, token: token, headers: headers, json: json, form: form)
    }

    public func rootToken(scopes: [String]) throws -> String {
        try createToken(for: try repository.read { $0.user(username: "root")! }, name: "root", scopes: scopes)
    }

    public func settleAudit() { application.flushAudit() }
}

/// A scenario's setup failed (not one of its expectations).
public struct ScenarioError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
