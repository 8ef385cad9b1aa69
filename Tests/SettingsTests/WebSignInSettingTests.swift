import Testing
import TokenCore
import TokendSettings

/// The sign-in settings: GitLab's week of idle time by default, the web server's sign-in off,
/// and only `off`, `REMOTE_USER` or a plain header name accepted for it.
struct WebSignInSettingTests {
    @Test func defaults() throws {
        let settings = try Settings.resolve(flags: [:], environment: [:], file: nil)
        #expect(settings.webSessionPolicy == WebSessionPolicy(idleTimeoutMinutes: 10_080, absoluteLifetimeMinutes: 43_200))
        #expect(settings.webServerSignIn == nil)
        #expect(!settings.gateSessions)
    }

    @Test(arguments: [("off", nil), ("OFF", nil), ("REMOTE_USER", "REMOTE_USER"), ("remote_user", "REMOTE_USER"), ("X-Remote-User", "X-Remote-User")] as [(String, String?)])
    func theWebServersSignInSource(value: String, source: String?) throws {
        let settings = try Settings.resolve(flags: [:], environment: ["TOKEND_WEB_SERVER_SIGN_IN": value], file: nil)
        #expect(settings.webServerSignIn == source)
    }

    @Test(arguments: ["X_Remote_User", "X-Remote-User: x", "", "X Remote", String(repeating: "a", count: 65), "Rémote"])
    func aHeaderNameThatIsNotOneIsRefused(value: String) {
        #expect(throws: (any Error).self) { try Settings.resolve(flags: [.webServerSignIn: value], environment: [:], file: nil) }
    }
}
