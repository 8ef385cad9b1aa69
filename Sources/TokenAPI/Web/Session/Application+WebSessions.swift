import Logging
public import TokenCore

extension Application {
    /// Removes the sessions past their idle timeout or lifetime (the worker's periodic sweep;
    /// a session is also removed when it is next presented). Returns how many went; a read
    /// finds none first, so a quiet store sees no write. A store failure is logged, and the
    /// next sweep tries again.
    @discardableResult
    public func removeExpiredWebSessions() -> Int {
        let policy = dependencies.web.signIn.policy
        let now = dependencies.clock.now()
        do {
            let any = try dependencies.repository.read { state in state.webSessions.all().contains { policy.isExpired($0, now: now) } }
            guard any else { return 0 }
            return try dependencies.repository.write { state in state.removeExpiredWebSessions(policy, now: now) }
        } catch {
            dependencies.logger.warning("could not remove expired web sessions", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
