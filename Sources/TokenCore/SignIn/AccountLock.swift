/// Devise's lockable as GitLab configures it (`config/initializers/devise.rb`: `lock_strategy
/// :failed_attempts`, `maximum_attempts` 10, `unlock_strategy :time`, `unlock_in` 10 minutes):
/// the tenth failed password sign-in in a row locks the account for ten minutes. The count and
/// the lock are fields of the user, so every worker and host agrees.
public enum AccountLock {
    public static let maximumAttempts = 10
    public static let unlockAfterMilliseconds: Int64 = 10 * 60_000

    /// True while `user` is locked at `now`.
    public static func isLocked(_ user: User, now: Timestamp) -> Bool {
        guard let lockedAt = user.lockedAt else { return false }
        return now < lockedAt.adding(milliseconds: unlockAfterMilliseconds)
    }

    /// The user after one more failed attempt at `now`: a lock that has lifted starts the count
    /// afresh; the tenth failure locks.
    public static func failed(_ user: User, now: Timestamp) -> User {
        var user = user
        if user.lockedAt != nil, !isLocked(user, now: now) {
            user.lockedAt = nil
            user.failedAttempts = 0
        }
        user.failedAttempts += 1
        if user.failedAttempts >= maximumAttempts, user.lockedAt == nil { user.lockedAt = now }
        return user
    }

    /// The user after a successful sign-in: count and lock cleared (Devise's
    /// `unlock_access!`/`failed_attempts = 0`).
    public static func succeeded(_ user: User) -> User {
        var user = user
        user.failedAttempts = 0
        user.lockedAt = nil
        return user
    }
}
