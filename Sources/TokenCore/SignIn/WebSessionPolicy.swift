/// How long sessions last: GitLab's `session_expire_delay` (idle), an absolute lifetime, and how
/// often a session's activity is written.
public struct WebSessionPolicy: Sendable, Hashable {
    /// A session unused this long ends (GitLab's `session_expire_delay`, 10080 minutes: a week).
    public var idleTimeoutMinutes: Int
    /// A session this old ends however busy it is (GitLab has no such limit; tokend's default
    /// is 30 days, so a stolen cookie does not live forever).
    public var absoluteLifetimeMinutes: Int
    /// ``WebSession/lastActiveAt`` is written at most this often, so page views are not writes.
    public static let activityGranularityMilliseconds: Int64 = 60_000

    public init(idleTimeoutMinutes: Int = 10_080, absoluteLifetimeMinutes: Int = 43_200) {
        self.idleTimeoutMinutes = idleTimeoutMinutes
        self.absoluteLifetimeMinutes = absoluteLifetimeMinutes
    }

    public static let `default` = WebSessionPolicy()

    /// Past its idle timeout or its lifetime at `now`.
    public func isExpired(_ session: WebSession, now: Timestamp) -> Bool {
        now >= session.lastActiveAt.adding(minutes: Int64(idleTimeoutMinutes))
            || now >= session.createdAt.adding(minutes: Int64(absoluteLifetimeMinutes))
    }

    /// The session with its activity at `now`, when the last record is a minute old or more;
    /// nil when there is nothing worth writing.
    public func touched(_ session: WebSession, now: Timestamp) -> WebSession? {
        guard now.millisecondsSinceEpoch - session.lastActiveAt.millisecondsSinceEpoch >= Self.activityGranularityMilliseconds else {
            return nil
        }
        var touched = session
        touched.lastActiveAt = now
        return touched
    }
}
