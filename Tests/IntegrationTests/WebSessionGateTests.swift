import Foundation
import PostgresStore
import Testing
import TokenCore
import TokenStore

/// A signed-in browser's session through nginx to real workers, on both backends: with
/// `TOKEND_GATE_SESSIONS` the gate admits the session's cookie on every worker, and blocking the
/// user with the offline CLI ends it everywhere at once. (The sign-in pages and the 401 →
/// sign-in redirect through nginx and Caddy are the pages' tests.)
@Suite(.timeLimit(.minutes(20)))
struct WebSessionGateTests {
    @Test(arguments: Backend.available)
    func theGateAdmitsASessionUntilTheUserIsBlocked(backend: Backend) throws {
        let server = try LiveServer(workers: 2, environment: ["TOKEND_GATE_SESSIONS": "true"], backend: backend)
        defer { server.stop() }
        _ = try server.createUser("alice")
        let set = try LiveServer.run(
            server.binary, ["user", "password", "--data", server.data, "--user", "alice"], environment: server.storeEnvironment,
            stdin: "correct horse battery\n")
        #expect(set.status == 0, "\(set.stderr)")

        // This test process signs in as a third worker would, on the same store.
        let store: any TokenRepository
        let secret: TokenSecret
        if let url = server.databaseURL {
            let postgres = PostgresStore(location: PostgresLocation(url: url, description: "sessions"))
            store = postgres
            secret = TokenSecret(bytes: try #require(Hex.decode(try postgres.secretHex())))
        } else {
            store = try JSONFileStore(directory: server.data, allowNetworkFilesystem: true)
            secret = try StoreSetup.loadSecret(directory: server.data)
        }
        let service = SignInService(secret: secret, random: .system, hasher: .fastForTests)
        let signedIn = try service.signIn(
            login: "alice", password: "correct horse battery", client: .init(address: "127.0.0.1"), in: store, now: Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        ).get()
        let cookie = ["Cookie": "theme=dark; _tokend_session=\(signedIn.sessionID)"]

        for _ in 0..<4 {
            let admitted = try server.request("GET", "//-/auth", headers: cookie)
            #expect(admitted.status == 204, "\(backend): \(admitted.body)")
            #expect(admitted.header("X-Tokend-Username") == "alice")
            #expect(admitted.header("X-Tokend-Token-Id") == "")
        }
        #expect(try server.request("GET", "//-/auth", headers: ["Cookie": "_tokend_session=" + String(repeating: "A", count: 43)]).status == 401)
        #expect(try server.request("GET", "//-/auth").status == 401)

        try server.tokend(["user", "block", "--data", server.data, "alice"])
        for _ in 0..<4 { #expect(try server.request("GET", "//-/auth", headers: cookie).status == 401, "\(backend): blocked") }
        #expect(!server.workerLogs.contains(signedIn.sessionID))
    }
}
