import Testing
import TokenCore
import TokendTesting

/// GitLab's Token information API (`/admin/token`) in-process: the shared scenario (run through
/// nginx too) for every kind of token, and the instance settings it depends on.
struct AdminTokenAPITests {
    @Test func identifiesAndRevokesEveryKind() throws { try GateScenarios.adminTokenAPI(TestClient()) }

    /// With Admin Mode on, an administrator's token needs the `admin_mode` scope, as everywhere.
    @Test func adminModeNeedsTheAdminModeScope() throws {
        let client = TestClient(settings: InstanceSettings(adminMode: true))
        let plain = try client.rootToken(scopes: ["api"])
        let elevated = try client.rootToken(scopes: ["api", "admin_mode"])
        let body = #"{"token":"\#(plain)"}"#
        #expect(client.request("POST", "/admin/token", token: plain, json: body).body == #"{"message":"403 Forbidden"}"#)
        #expect(client.request("POST", "/admin/token", token: elevated, json: body).status == 200)
    }

    /// A custom prefix: values with it and with GitLab's default `glpat-` are looked up; a value
    /// with a prefix the instance used before is 422, as GitLab's docs say.
    @Test func followsTheConfiguredPrefix() throws {
        let client = TestClient(settings: InstanceSettings(tokenPrefix: "acme-"))
        let admin = try client.rootToken(scopes: ["api"])
        #expect(admin.hasPrefix("acme-"))
        #expect(client.request("POST", "/admin/token", token: admin, json: #"{"token":"\#(admin)"}"#).status == 200)
        #expect(client.request("POST", "/admin/token", token: admin, json: #"{"token":"glpat-unknown"}"#).status == 404)
        #expect(client.request("POST", "/admin/token", token: admin, json: #"{"token":"oldco-abc"}"#).status == 422)
    }

    @Test func identificationIsPure() throws {
        let settings = InstanceSettings(tokenPrefix: "")
        #expect(!TokenIdentification.isSupported("anything", settings: settings))
        #expect(TokenIdentification.isSupported("glpat-x", settings: settings))
    }
}
