/// The files of a data directory.
///
/// - `tokens.lock`: empty; the cross-process write lock. Never renamed or removed.
/// - `tokens.snapshot.jsonl`: a header line, then one record per line (generation G).
/// - `tokens.journal.<G>.jsonl`: the changes since that snapshot, one per line, append-only.
/// - `tokens.shm`: one page of counters every process maps (``SharedCounters``): the change
///   count readers compare instead of `stat`ing, and how far the journal is durable. Created
///   once, never renamed or removed while workers run.
/// - `secret.key`: the HMAC key under which token digests are computed (hex).
/// - `workers.lock`: empty; every serving process holds a shared `flock` on it, which
///   `tokend store restore` takes exclusively (``WorkerPresence``). Not part of a backup.
public struct StoreLayout: Sendable {
    public let directory: String

    public init(directory: String) {
        var d = directory
        while d.count > 1 && d.hasSuffix("/") { d.removeLast() }
        self.directory = d
    }

    public var lock: String { directory + "/tokens.lock" }
    public var sharedCounters: String { directory + "/tokens.shm" }
    public var snapshot: String { directory + "/tokens.snapshot.jsonl" }
    public var secret: String { directory + "/secret.key" }
    public func journal(generation: Int) -> String { directory + "/tokens.journal.\(generation).jsonl" }
}
