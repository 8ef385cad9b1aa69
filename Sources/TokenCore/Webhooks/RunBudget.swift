/// The time one `tokend notify` run may spend delivering, shared out among its deliveries:
/// each gets its own bound or what is left of the run's, whichever is less, so one receiver
/// that never answers cannot hold the run (and its lock) past the run's bound. Times are
/// seconds on a monotonic clock, passed in.
public struct RunBudget: Sendable {
    public let deadline: Double

    /// A run of at most `seconds` from `start`.
    public init(seconds: Double, start: Double) {
        deadline = start + seconds
    }

    /// The seconds the next delivery may take at `now`, at most `perDelivery`; nil when less
    /// than a second (or than `perDelivery`, if smaller) is left: the rest waits for the next run,
    /// rather than spending an attempt on a delivery that has no time to succeed.
    public func next(_ perDelivery: Double, now: Double) -> Double? {
        let left = deadline - now
        guard left >= min(1, perDelivery) else { return nil }
        return min(perDelivery, left)
    }
}
