import Foundation
import JSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `tokend notify` against a webhook receiver on loopback (a small Python server that checks
/// `X-Gitlab-Token`): one notice per token, interval and hook, with the clock from `--now`;
/// a receiver that is down, or refuses the token, is retried with backoff and then given up on.
@Suite(.timeLimit(.minutes(20)))
struct NotifyIntegrationTests {
    /// A day from today (UTC) as `YYYY-MM-DD`, and a time on it as ISO 8601.
    static func day(_ offset: Int) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
    }

    static func at(_ offset: Int, _ time: String = "12:00:00") -> String { "\(day(offset))T\(time)Z" }

    func notify(_ server: LiveServer, _ arguments: [String]) throws -> [JSONValue] {
        let result = try LiveServer.run(server.binary, ["notify", "--data", server.data] + arguments)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    /// A project with a token expiring in 20 days and a group with one expiring in 50, each
    /// with a hook to `url`.
    func seed(_ server: LiveServer, url: String, secret: String = "s3cret") throws -> (project: Int, group: Int) {
        let admin = try server.createToken(name: "admin")
        let project = try #require(try server.request("POST", "/projects", token: admin, form: "name=Deploy").json?["id"]?.intValue)
        let group = try #require(try server.request("POST", "/groups", token: admin, form: "name=Ops&path=ops").json?["id"]?.intValue)
        let projectToken = try server.request(
            "POST", "/projects/\(project)/access_tokens", token: admin, json: #"{"name":"deploy","scopes":["api"],"expires_at":"\#(Self.day(20))"}"#)
        #expect(projectToken.status == 201, "\(projectToken.body)")
        let groupToken = try server.request(
            "POST", "/groups/\(group)/access_tokens", token: admin, json: #"{"name":"ops","scopes":["api"],"expires_at":"\#(Self.day(50))"}"#)
        #expect(groupToken.status == 201, "\(groupToken.body)")
        for path in ["/projects/\(project)/hooks", "/groups/\(group)/hooks"] {
            let hook = try server.request(
                "POST", path, token: admin, form: "url=\(url)&token=\(secret)&resource_access_token_events=true&push_events=false")
            #expect(hook.status == 201, "\(hook.body)")
            #expect(hook.json?["token"] == nil && !hook.body.contains(secret))
        }
        return (project, group)
    }

    @Test func oneNoticePerTokenIntervalAndHook() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let receiver = try WebhookReceiver(directory: server.directory, secret: "s3cret")
        defer { receiver.stop() }
        let (project, group) = try seed(server, url: receiver.url)

        let dry = try notify(server, ["--allow-local-webhooks", "--now", Self.at(15), "--dry-run"])
        #expect(dry.count == 1)
        #expect(dry.first?["payload"]?["object_kind"] == .string("access_token"))
        #expect(try receiver.received().isEmpty, "a dry run sends nothing")

        let first = try notify(server, ["--allow-local-webhooks", "--now", Self.at(15)])
        #expect(first.map { $0["result"] } == [.string("delivered")])
        for later in [Self.at(15, "18:00:00"), Self.at(16), Self.at(19)] {
            #expect(try notify(server, ["--allow-local-webhooks", "--now", later]).isEmpty, "sent once: \(later)")
        }
        let delivered = try receiver.received()
        #expect(delivered.count == 1)
        let notice = try #require(delivered.first)
        #expect(notice["token_ok"] == .bool(true))
        #expect(notice["event"] == .string("Resource Access Token Hook"))
        let body = try #require(notice["body"])
        #expect(body["object_kind"] == .string("access_token"))
        #expect(body["event_name"] == .string("expiring_access_token"))
        #expect(body["interval"] == .string("seven_days"))
        #expect(body["project"]?["id"] == .integer(Int64(project)))
        #expect(body["project"]?["path_with_namespace"] == .string("root/deploy"))
        let attributes = try #require(body["object_attributes"])
        #expect(attributes["name"] == .string("deploy"))
        #expect(attributes["expires_at"] == .string(Self.day(20)))
        #expect(attributes["interval"] == .string("seven_days"))
        for key in ["user_id", "created_at", "id"] { #expect(attributes[key] != nil, "\(key)") }
        #expect(!"\(body)".contains("glpat-"))

        // 60 and 30 days, where the setting turns them on: the group token, once each.
        let sixty = try notify(server, ["--allow-local-webhooks", "--webhook-extended-intervals", "--now", Self.at(15)])
        #expect(sixty.map { $0["interval"] } == [.string("sixty_days")])
        #expect(try notify(server, ["--allow-local-webhooks", "--webhook-extended-intervals", "--now", Self.at(17)]).isEmpty)
        let thirty = try notify(server, ["--allow-local-webhooks", "--webhook-extended-intervals", "--now", Self.at(25)])
        #expect(thirty.map { $0["interval"] } == [.string("thirty_days")])
        let all = try receiver.received()
        #expect(all.count == 3)
        #expect(all.last?["body"]?["group"]?["group_id"] == .integer(Int64(group)))
        #expect(all.allSatisfy { $0["token_ok"] == .bool(true) })
    }

    /// A receiver that is down, and one that refuses the secret token: retried after 15, 30,
    /// 60 and 120 minutes, given up at the fifth failure, and never sent again.
    @Test func failedDeliveriesAreRetriedThenGivenUp() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let down = try WebhookReceiver(directory: server.directory + "/down", secret: "s3cret")
        let downURL = down.url
        down.stop()
        let refusing = try WebhookReceiver(directory: server.directory, secret: "another")
        defer { refusing.stop() }
        let admin = try server.createToken(name: "admin")
        let project = try #require(try server.request("POST", "/projects", token: admin, form: "name=Deploy").json?["id"]?.intValue)
        #expect(try server.request(
            "POST", "/projects/\(project)/access_tokens", token: admin, json: #"{"name":"deploy","scopes":["api"],"expires_at":"\#(Self.day(20))"}"#
        ).status == 201)
        for url in [downURL, refusing.url] {
            #expect(try server.request(
                "POST", "/projects/\(project)/hooks", token: admin, form: "url=\(url)&token=s3cret&resource_access_token_events=true").status == 201)
        }
        // Minutes after the first attempt at which each run happens, and the attempts expected.
        let runs: [(minutes: Int, attempts: Int)] = [(0, 2), (5, 0), (15, 2), (44, 0), (45, 2), (105, 2), (225, 2), (600, 0), (2000, 0)]
        for run in runs {
            let time = Date(timeIntervalSince1970: ISO8601DateFormatter().date(from: Self.at(15))!.timeIntervalSince1970 + Double(run.minutes) * 60)
            let lines = try notify(server, ["--allow-local-webhooks", "--now", ISO8601DateFormatter().string(from: time)])
            #expect(lines.count == run.attempts, "at +\(run.minutes) min: \(lines)")
            if run.minutes == 225 { #expect(lines.allSatisfy { $0["result"] == .string("gave_up") }, "\(lines)") }
            if run.minutes == 0 { #expect(lines.allSatisfy { $0["result"] == .string("retrying") && $0["attempt"] == .integer(1) }) }
        }
        let received = try refusing.received()
        #expect(received.count == 5)
        #expect(received.allSatisfy { $0["token_ok"] == .bool(false) })
    }

    @Test func localAddressesNeedTheSettingAndPersonalTokensAreListedOnce() throws {
        let server = try LiveServer()
        defer { server.stop() }
        let receiver = try WebhookReceiver(directory: server.directory, secret: "s3cret")
        defer { receiver.stop() }
        _ = try seed(server, url: receiver.url)
        let refused = try notify(server, ["--now", Self.at(15)])
        #expect(refused.first?["error"]?.stringValue?.contains("loopback, private or link-local") == true, "\(refused)")
        #expect(refused.first?["result"] == .string("refused") && refused.first?["attempt"] == nil, "\(refused)")
        #expect(try receiver.received().isEmpty)
        // A refusal by policy spent no attempt and scheduled no retry: the same run with the
        // setting, a minute later, delivers at once.
        let delivered = try notify(server, ["--allow-local-webhooks", "--now", Self.at(15, "12:01:00")])
        #expect(delivered.first?["result"] == .string("delivered") && delivered.first?["attempt"] == .integer(1), "\(delivered)")
        #expect(try receiver.received().count == 1)

        _ = try server.createToken(name: "soon", expiresAt: Self.day(6))
        let listed = try notify(server, ["--personal", "--now", Self.at(0)])
        #expect(listed.count == 1)
        #expect(listed.first?["token_name"] == .string("soon"))
        #expect(listed.first?["interval"] == .string("seven_days"))
        #expect(listed.first?["email"] != nil && listed.first?["username"] == .string("root"))
        #expect(try notify(server, ["--personal", "--now", Self.at(0)]).isEmpty, "listed once")
    }
}
