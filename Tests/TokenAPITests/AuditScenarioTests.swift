import Testing
import TokendTesting

/// The audit log scenarios, in-process (IntegrationTests runs the same ones through nginx).
struct AuditScenarioTests {
    @Test func everyEventTypeWithItsActor() throws {
        try AuditScenarios.everyEventTypeWithItsActor(TestClient())
    }

    @Test func resourceEventsFollowGitLabsAccess() throws {
        try AuditScenarios.resourceEventsFollowGitLabsAccess(TestClient())
    }
}
