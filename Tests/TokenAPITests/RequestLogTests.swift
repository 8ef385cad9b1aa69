import InMemoryLogging
import Logging
import Testing
import TokenCore
import TokendTesting

/// Every line the application writes while it answers a request carries that request's id as
/// `request_id` (the access line's name), on the API and at the gate, on every error path that
/// logs; and none carries a token or an `Authorization` value.
struct RequestLogTests {
    @Test func everyLineOfARequestNamesItsRequestID() throws {
        let (client, store, logs, root) = try LoggedFaultyClient().parts
        let token = try client.createToken(for: root, name: "admin", scopes: ["api", "sudo"])
        let bearer = "Bearer " + token
        var secrets = [token, bearer]

        /// Sends one request with a fresh id; every line it logged must name that id.
        func expectLinesName(_ id: String, atLeast minimum: Int = 1, _ send: (String) -> TestResponse, status: Int) {
            logs.clear()
            #expect(send(id).status == status, "\(id)")
            let entries = logs.entries
            #expect(entries.count >= minimum, "\(id) logged nothing")
            for entry in entries {
                #expect(entry.metadata["request_id"] == .string(id), "\(id): \(entry.message) has no request id")
                let text = "\(entry.message) \(entry.metadata)"
                for secret in secrets { #expect(!text.contains(secret)) }
            }
        }

        store.refuseWrites(with: RepositoryError(.full, "no space left on the test device"))
        // The use of a read cannot be recorded (Session), a write fails (Application).
        expectLinesName("read-1", { client.request("GET", "/personal_access_tokens/self", token: token, requestID: $0) }, status: 200)
        expectLinesName("write-2", { client.request("DELETE", "/personal_access_tokens/self", headers: ["authorization": bearer], requestID: $0) }, status: 507)
        // The gate: recording the use fails, and a request carrying its own identity header.
        let gate = try client.createToken(for: root, name: "gate", scopes: ["read_api"])
        secrets.append(gate)
        expectLinesName("gate-3", { client.request("GET", "//-/auth", token: gate, requestID: $0) }, status: 204)
        store.refuseWrites(with: nil)
        expectLinesName(
            "gate-4", { client.request("GET", "//-/auth", token: gate, headers: ["x-tokend-user": "root"], requestID: $0) }, status: 403)
        // A handler's own line (the admin token API's notice of a revocation by value).
        let victim = try client.createToken(for: root, name: "victim")
        secrets.append(victim)
        expectLinesName(
            "admin-5", { client.request("DELETE", "/admin/token", token: token, json: #"{"token":"\#(victim)"}"#, requestID: $0) },
            status: 204)
        // A request without an id (a test, a transport that gives none) still logs.
        logs.clear()
        store.refuseWrites(with: RepositoryError(.failed, "fsync failed on the test device"))
        #expect(client.request("POST", "/users", token: token, form: "username=x&name=x&email=x@x").status == 503)
        #expect(logs.entries.contains { $0.metadata["request_id"] == nil })
    }
}
