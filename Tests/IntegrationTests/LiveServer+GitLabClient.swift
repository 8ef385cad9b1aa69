#if canImport(Glibc)
import Glibc
#endif
import TokendTesting

/// The live deployment as a ``GitLabClient``: shared handler scenarios run through nginx.
extension LiveServer: GitLabClient {
    func send(_ method: String, _ path: String, token: String?, headers: [String: String], json: String?, form: String?) throws
        -> TestResponse
    {
        let response = try request(method, path, token: token, headers: headers, json: json, form: form)
        return TestResponse(status: response.status, headers: response.headers.map { (name: $0.0, value: $0.1) }, body: response.body)
    }

    func rootToken(scopes: [String]) throws -> String {
        try createToken(name: "root", scopes: scopes.joined(separator: ","))
    }

    /// Workers write failed authentications every 5 s: wait for the next batch (bounded).
    func settleAudit() throws { usleep(6_000_000) }
}
