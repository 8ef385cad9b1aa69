import Testing
import TokendTesting

/// The users, projects and groups scenarios through a real nginx and worker (TokenAPITests runs
/// the same ones in-process).
@Suite(.timeLimit(.minutes(20)))
struct ManagementIntegrationTests {
    @Test(arguments: [
        ("lists", ManagementScenarios.listsAreScopedFilteredAndPaginated),
        ("deletion", ManagementScenarios.deletionIsAcceptedAndCascades),
        ("users", ManagementScenarios.usersAreFilteredAndBlockingIsIdempotent),
        ("updates", ManagementScenarios.updatesFollowGitLabsRules),
        ("tokens by username", ManagementScenarios.tokensAreListedByUsername),
        ("memberships and shares", ManagementScenarios.membershipsAndShares),
    ] as [(name: String, run: @Sendable (LiveServer) throws -> Void)], Backend.available)
    func sharedScenarios(scenario: (name: String, run: @Sendable (LiveServer) throws -> Void), backend: Backend) throws {
        let server = try LiveServer(backend: backend)
        defer { server.stop() }
        try scenario.run(server)
        if backend == .postgres {
            // Loaded from the tables, the store is the change log replayed, record for record.
            let check = try LiveServer.run(server.binary, ["store", "check"], environment: server.storeEnvironment)
            #expect(check.status == 0, "\(check.stdout)")
        }
    }
}
