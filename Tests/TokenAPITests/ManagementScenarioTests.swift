import Testing
import TokendTesting

/// The users, projects and groups scenarios in-process (IntegrationTests runs the same ones
/// through nginx).
struct ManagementScenarioTests {
    @Test func listsAreScopedFilteredAndPaginated() throws {
        try ManagementScenarios.listsAreScopedFilteredAndPaginated(TestClient())
    }

    @Test func deletionIsAcceptedAndCascades() throws {
        try ManagementScenarios.deletionIsAcceptedAndCascades(TestClient())
    }

    @Test func usersAreFilteredAndBlockingIsIdempotent() throws {
        try ManagementScenarios.usersAreFilteredAndBlockingIsIdempotent(TestClient())
    }

    @Test func updatesFollowGitLabsRules() throws {
        try ManagementScenarios.updatesFollowGitLabsRules(TestClient())
    }

    @Test func tokensAreListedByUsername() throws {
        try ManagementScenarios.tokensAreListedByUsername(TestClient())
    }

    @Test func membershipsAndShares() throws {
        try ManagementScenarios.membershipsAndShares(TestClient())
    }
}

/// The new lists' inputs are bounded and refused in Grape's words before any work is done.
struct ManagementInputTests {
    let client = TestClient()

    @Test(arguments: ["/projects", "/groups", "/users", "/projects/1/groups"])
    func searchTermsAreBounded(path: String) throws {
        let admin = try client.rootToken(scopes: ["api"])
        _ = client.request("POST", "/projects", token: admin, form: "name=P")
        let long = client.request("GET", path + "?search=" + String(repeating: "a", count: 4_097), token: admin)
        #expect(long.status == 400)
        #expect(long.body == #"{"error":"search is expected to have length less than or equal to 4096"}"#)
    }

    @Test func malformedFiltersAnswerGrapesErrors() throws {
        let admin = try client.rootToken(scopes: ["api"])
        #expect(client.request("GET", "/groups?skip_groups=1,x", token: admin).body == #"{"error":"skip_groups is invalid"}"#)
        #expect(client.request("GET", "/groups?min_access_level=35", token: admin).body == #"{"error":"min_access_level does not have a valid value"}"#)
        #expect(client.request("GET", "/projects?visibility=secret&owned=maybe", token: admin).body
            == #"{"error":"owned is invalid, visibility does not have a valid value"}"#)
        #expect(client.request("GET", "/users?created_after=yesterday", token: admin).body == #"{"error":"created_after is invalid"}"#)
        let many = (1...600).map { "skip_groups[]=\($0)" }.joined(separator: "&")
        #expect(client.request("GET", "/groups?" + many, token: admin).status == 200)
    }
}
