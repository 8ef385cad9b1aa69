import Testing
import TokendTesting

/// The security review's shared scenarios, in-process (IntegrationTests runs the same ones
/// through nginx).
struct SecurityScenarioTests {
    @Test func anotherProjectsBotCannotBeTakenOver() throws {
        try SecurityScenarios.anotherProjectsBotCannotBeTakenOver(TestClient())
    }

    @Test func sudoToOneselfKeepsTheEndpointsScopes() throws {
        try SecurityScenarios.sudoToOneselfKeepsTheEndpointsScopes(TestClient())
    }

    @Test func privateAddressesStayPrivate() throws {
        try SecurityScenarios.privateAddressesStayPrivate(TestClient())
    }

    @Test func subgroupNestingIsBounded() throws {
        try SecurityScenarios.subgroupNestingIsBounded(TestClient())
    }
}
