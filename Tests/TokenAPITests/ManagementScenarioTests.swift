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
