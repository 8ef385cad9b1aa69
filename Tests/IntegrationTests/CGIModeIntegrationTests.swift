import Foundation
import JSON
import Testing

/// The binary as a plain CGI program (one process per request, as Apache mod_cgi or fcgiwrap
/// run it), which reads single records on demand: answers agree with a worker's, and writes
/// (which load the whole store) are seen by the next process.
@Suite(.timeLimit(.minutes(20)))
struct CGIModeIntegrationTests {
    /// Runs one CGI request; returns the status code and the JSON body.
    func cgi(_ server: LiveServer, _ method: String, _ uri: String, token: String) throws -> (status: Int, json: JSONValue?) {
        let result = try LiveServer.run(
            server.binary, [],
            environment: [
                "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": method, "REQUEST_URI": "/api/v4" + uri,
                "HTTP_PRIVATE_TOKEN": token, "REMOTE_ADDR": "127.0.0.1", "TOKEND_DATA": server.data,
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let head = result.stdout.prefix { $0 != "\n" }
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? -1
        let body = result.stdout.range(of: "\r\n\r\n").map { String(result.stdout[$0.upperBound...]) } ?? ""
        return (status, try? JSONParser.parse(body))
    }

    @Test func readsAndWritesAcrossProcesses() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let token = try server.createToken(name: "cgi", scopes: "api")
        let other = try server.createToken(name: "other", scopes: "api")
        // Move part of the store into a snapshot, so records come from both files.
        _ = try server.tokend(["store", "compact", "--data", server.data])
        let third = try server.createToken(name: "third", scopes: "api")

        let me = try cgi(server, "GET", "/personal_access_tokens/self", token: token)
        #expect(me.status == 200)
        #expect(me.json?["name"] == .string("cgi"))
        #expect(try cgi(server, "GET", "/personal_access_tokens/self", token: third).json?["name"] == .string("third"))
        #expect(try cgi(server, "GET", "/personal_access_tokens/self", token: "glpat-notatokennotatoken1").status == 401)
        // A list needs every record: the process loads them all.
        let list = try cgi(server, "GET", "/personal_access_tokens?per_page=100", token: token)
        #expect(list.status == 200)
        #expect(list.json?.arrayValue?.count == 3)

        let rotated = try cgi(server, "POST", "/personal_access_tokens/self/rotate", token: other)
        #expect(rotated.status == 200)
        let successor = try #require(rotated.json?["token"]?.stringValue)
        #expect(try cgi(server, "GET", "/personal_access_tokens/self", token: other).status == 401)
        #expect(try cgi(server, "GET", "/personal_access_tokens/self", token: successor).status == 200)
        // A worker agrees.
        #expect(try server.request("GET", "/personal_access_tokens/self", token: successor).status == 200)
        #expect(try server.request("GET", "/personal_access_tokens/self", token: other).status == 401)
    }
}
