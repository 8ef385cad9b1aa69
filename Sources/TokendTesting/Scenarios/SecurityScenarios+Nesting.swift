import JSON
import Testing

extension SecurityScenarios {
    static let tooDeep = #"{"message":"Failed to save group {parent_id: [\"has too deep level of nesting\"]}"}"#

    /// Round two, finding 1: a user who may create groups nests subgroups 20 deep at most
    /// (GitLab's `NUMBER_OF_ANCESTORS_ALLOWED`), with 200-character paths as in the review; the
    /// 21st ancestor is GitLab's 400. Renaming the root moves every full path below it, and the
    /// deepest group is still found by its new full path.
    public static func subgroupNestingIsBounded(_ client: some GitLabClient) throws {
        let admin = try client.rootToken(scopes: ["api"])
        let alice = try client.user("alice", admin: admin)
        let segment = String(repeating: "n", count: 198)
        var ids: [Int] = []
        for level in 0...20 {
            let form = "name=L\(level)&path=\(segment)\(level)" + (ids.last.map { "&parent_id=\($0)" } ?? "")
            let created = try client.call("POST", "/groups", token: alice.token, form: form)
            #expect(created.status == 201, "level \(level): \(created.body)")
            ids.append(try #require(created.json?["id"]?.intValue))
        }
        let refused = try client.call("POST", "/groups", token: alice.token, form: "name=Deep&path=deep&parent_id=\(ids[20])")
        #expect(refused.status == 400)
        #expect(refused.body == tooDeep)
        #expect(try client.call("POST", "/groups", token: admin, form: "name=Deep&path=deep&parent_id=\(ids[20])").body == tooDeep,
                "admins too")
        let renamed = try client.call("PUT", "/groups/\(ids[0])", token: alice.token, form: "path=root-renamed")
        #expect(renamed.status == 200, "\(renamed.body)")
        let below = (1...20).map { "\(segment)\($0)" }.joined(separator: "/")
        let deepest = try client.call("GET", "/groups/\(ids[20])", token: alice.token)
        #expect(deepest.json?["full_path"] == .string("root-renamed/" + below))
        let byPath = try client.call("GET", "/groups/" + ("root-renamed/" + below).replacingSlashes, token: alice.token)
        #expect(byPath.json?["id"]?.intValue == ids[20], "\(byPath.status)")
        #expect(try client.call("GET", "/groups/" + ("\(segment)0/" + below).replacingSlashes, token: alice.token).status == 404)
    }
}

extension String {
    /// A full path as one URL path segment (`a/b` as `a%2Fb`), as GitLab clients send it.
    fileprivate var replacingSlashes: String { split(separator: "/", omittingEmptySubsequences: false).joined(separator: "%2F") }
}
