import Foundation
import JSON
import Testing

/// What one `tokend notify` delivery may do, through the real binary, curl and a receiver on
/// loopback: exactly one request whatever the hook's URL holds, a secret that does not follow
/// a URL change, and time bounds on each delivery and on the whole run.
@Suite(.timeLimit(.minutes(20)))
struct NotifyDeliveryTests {
    /// A project with an access token expiring in 5 days (due for the seven-day notice) and one
    /// hook per URL, in order, each with the secret `s3cret`; the hooks' ids.
    func project(_ server: LiveServer, admin: String, hooks urls: [String]) throws -> (project: Int, hooks: [Int]) {
        let project = try #require(try server.request("POST", "/projects", token: admin, form: "name=Deploy").json?["id"]?.intValue)
        let token = try server.request(
            "POST", "/projects/\(project)/access_tokens", token: admin,
            json: #"{"name":"deploy","scopes":["api"],"expires_at":"\#(NotifyIntegrationTests.day(5))"}"#)
        #expect(token.status == 201, "\(token.body)")
        var ids: [Int] = []
        for url in urls {
            let hook = try server.request(
                "POST", "/projects/\(project)/hooks", token: admin,
                json: #"{"url":"\#(url)","token":"s3cret","resource_access_token_events":true,"push_events":false}"#)
            #expect(hook.status == 201, "\(hook.body)")
            ids.append(try #require(hook.json?["id"]?.intValue))
        }
        return (project, ids)
    }

    /// One notify run: its JSON lines, its standard error, and how long it took.
    func notify(_ server: LiveServer, _ arguments: [String]) throws -> (lines: [JSONValue], stderr: String, seconds: Double) {
        let started = Date()
        let result = try LiveServer.run(
            server.binary, ["notify", "--data", server.data, "--allow-local-webhooks", "--now", NotifyIntegrationTests.at(0)] + arguments)
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        return (result.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }, result.stderr, seconds)
    }

    /// curl's URL globbing would make `[1-40]` forty requests and `{a,b,c}` three (each with
    /// the secret token), read back as status `200200200`, not a 2xx, and retried.
    @Test func aURLWithBracketsOrBracesIsOneRequest() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let receiver = try WebhookReceiver(directory: server.directory, secret: "s3cret")
        defer { receiver.stop() }
        let admin = try server.createToken(name: "admin")
        _ = try project(server, admin: admin, hooks: [receiver.base + "/g[1-40]", receiver.base + "/{a,b,c}"])

        let run = try notify(server, [])
        #expect(run.lines.map { $0["result"] } == [.string("delivered"), .string("delivered")], "\(run.lines)")
        #expect(run.lines.map { $0["status"] } == [.integer(200), .integer(200)])
        let received = try receiver.received()
        #expect(received.count == 2, "\(received.map { $0["path"] })")
        #expect(received.map { $0["path"] } == [.string("/g[1-40]"), .string("/{a,b,c}")])
        #expect(received.allSatisfy { $0["token_ok"] == .bool(true) })
    }

    /// GitLab's `reset_token`, end to end: after a URL-only change the new receiver gets the
    /// notice without `X-Gitlab-Token`; after a change that gives a token, with it.
    @Test func aURLChangeWithoutATokenSendsNoSecret() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let receiver = try WebhookReceiver(directory: server.directory, secret: "s3cret")
        defer { receiver.stop() }
        let admin = try server.createToken(name: "admin")
        let (project, hooks) = try project(server, admin: admin, hooks: [receiver.url])
        let hook = try #require(hooks.first)

        let moved = try server.request("PUT", "/projects/\(project)/hooks/\(hook)", token: admin, form: "url=\(receiver.base)/elsewhere")
        #expect(moved.status == 200, "\(moved.body)")
        // This receiver wants the secret: without it, it answers 401.
        #expect(try notify(server, []).lines.map { $0["status"] } == [.integer(401)])
        let received = try receiver.received()
        #expect(received.count == 1)
        #expect(received.first?["path"] == .string("/elsewhere"))
        #expect(received.first?["token_present"] == .bool(false), "the secret stayed with the old URL")
    }

    /// A receiver that accepts the connection and never answers costs `--webhook-timeout`, and
    /// the next hook is still delivered in the same run.
    @Test func aReceiverThatNeverAnswersIsCutOffAndTheNextHookIsDelivered() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let silent = try WebhookReceiver(directory: server.directory + "/silent", secret: "s3cret", hanging: true)
        defer { silent.stop() }
        let receiver = try WebhookReceiver(directory: server.directory, secret: "s3cret")
        defer { receiver.stop() }
        let admin = try server.createToken(name: "admin")
        _ = try project(server, admin: admin, hooks: [silent.url, receiver.url])

        let run = try notify(server, ["--webhook-timeout", "1"])
        #expect(run.lines.map { $0["result"] } == [.string("retrying"), .string("delivered")], "\(run.lines)")
        #expect(run.lines.first?["status"] == .null)
        #expect(run.seconds < 8, "one delivery of at most 1 s, took \(run.seconds) s")
        #expect(try silent.received().count == 1, "one request, not retried by curl")
        #expect(try receiver.received().count == 1)
    }

    /// `--notify-timeout` bounds the whole run: with receivers that never answer, the run ends
    /// at its bound, not after each delivery's, and leaves the rest for the next run (which
    /// sends them: nothing was spent on them).
    @Test func aRunEndsAtItsBoundAndLeavesTheRestForTheNextRun() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let silent = try WebhookReceiver(directory: server.directory + "/silent", secret: "s3cret", hanging: true)
        defer { silent.stop() }
        let admin = try server.createToken(name: "admin")
        _ = try project(server, admin: admin, hooks: [silent.url, silent.url + "2", silent.url + "3"])

        // Unbounded, this run would take 3 × 4 s.
        let run = try notify(server, ["--webhook-timeout", "4", "--notify-timeout", "2"])
        #expect(run.lines.count == 1, "\(run.lines)")
        #expect(run.stderr.contains("2 notices left for the next run"), "\(run.stderr)")
        #expect(run.seconds < 9, "bounded at 2 s, took \(run.seconds) s")
        #expect(try silent.received().count == 1)

        // Through the environment (a flag beats it, the config file yields to it).
        let next = try LiveServer.run(
            server.binary, ["notify", "--data", server.data, "--allow-local-webhooks", "--now", NotifyIntegrationTests.at(0)],
            environment: ["TOKEND_WEBHOOK_TIMEOUT": "1", "TOKEND_NOTIFY_TIMEOUT": "30"])
        #expect(next.status == 0, "\(next.stderr)")
        let lines = next.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        #expect(lines.count == 2, "the two left over, each cut at 1 s: \(lines)")
        #expect(lines.allSatisfy { $0["result"] == .string("retrying") && $0["attempt"] == .integer(1) })
    }
    /// Addresses the old check let through, refused before any connection is tried (the
    /// receiver's port, so that an attempt could not pass for a refusal).
    @Test func addressesThatCarryOrNameLocalNetworksAreRefused() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let receiver = try WebhookReceiver(directory: server.directory, secret: "s3cret")
        defer { receiver.stop() }
        let port = try #require(receiver.base.split(separator: ":").last)
        let admin = try server.createToken(name: "admin")
        let hosts = ["[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[fec0::1]", "198.18.0.1", "192.0.0.8"]
        _ = try project(server, admin: admin, hooks: hosts.map { "http://\($0):\(port)/hook" })
        let result = try LiveServer.run(server.binary, ["notify", "--data", server.data, "--now", NotifyIntegrationTests.at(0)])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        #expect(lines.count == hosts.count)
        for line in lines {
            #expect(line["error"]?.stringValue?.contains("(--allow-local-webhooks permits it)") == true, "\(line)")
        }
        #expect(try receiver.received().isEmpty)
    }
    /// A 307 is a failed delivery: following it would send `X-Gitlab-Token` to an address
    /// never checked.
    @Test func aRedirectIsNotFollowed() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let target = try WebhookReceiver(directory: server.directory + "/target", secret: "s3cret")
        defer { target.stop() }
        let redirecting = try WebhookReceiver(directory: server.directory, secret: "s3cret", redirect: target.url)
        defer { redirecting.stop() }
        let admin = try server.createToken(name: "admin")
        _ = try project(server, admin: admin, hooks: [redirecting.url])
        let run = try notify(server, [])
        #expect(run.lines.map { $0["status"] } == [.integer(307)])
        #expect(run.lines.map { $0["result"] } == [.string("retrying")])
        #expect(try redirecting.received().count == 1)
        #expect(try target.received().isEmpty)
    }
}
