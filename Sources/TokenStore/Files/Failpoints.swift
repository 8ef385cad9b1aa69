#if canImport(Glibc)
import Glibc
#endif

/// Named points in the store where a test can make the process crash, fail or stall, so crash
/// and fault tests are deterministic. Armed only through ``JSONFileStore/Tuning``, which the
/// executable fills only when `TOKEND_TEST_HOOKS=1`.
///
/// `TOKEND_FAILPOINT=name[:n][=action]` arms one point; it fires on its n-th pass (default 1).
/// Actions: `crash` (default: `_exit(137)`, as a SIGKILL would leave things), `eio` (the
/// operation fails with EIO), `sleep-MS` (stall, holding whatever is held).
///
/// Points: `journal.before-write`, `journal.half-line` (write half the bytes, then crash),
/// `journal.after-write-before-sync` (appended, the store lock still held),
/// `journal.after-append-before-flush` (appended and both locks let go, before waiting for the
/// shared flush), `journal.sync` (the flush's `fdatasync`), `journal.after-sync` (the write
/// is durable, not yet acknowledged),
/// `lock.after-acquire`, `compaction.before-swap` (the new snapshot written, no lock held),
/// `snapshot.after-fsync-before-rename` (the next journal written too),
/// `snapshot.after-rename-before-dirsync`, `compaction.before-unlink`.
struct Failpoints: Sendable {
    enum Action: Sendable, Equatable {
        case crash
        case eio
        case sleep(milliseconds: Int)
    }

    private let armed: (name: String, pass: Int, action: Action)?
    private let counter = PassCounter()

    /// Arms the point `spec` names; nil or empty arms none. The executable passes it only when
    /// `TOKEND_TEST_HOOKS=1` (``JSONFileStore/Tuning``).
    init(spec: String?) {
        guard let spec, !spec.isEmpty else {
            armed = nil
            return
        }
        var rest = Substring(spec)
        var action = Action.crash
        if let eq = rest.firstIndex(of: "=") {
            let text = rest[rest.index(after: eq)...]
            rest = rest[..<eq]
            if text == "eio" {
                action = .eio
            } else if text.hasPrefix("sleep-"), let ms = Int(text.dropFirst(6)) {
                action = .sleep(milliseconds: ms)
            }
        }
        var pass = 1
        if let colon = rest.firstIndex(of: ":"), let n = Int(rest[rest.index(after: colon)...]) {
            pass = n
            rest = rest[..<colon]
        }
        armed = (String(rest), pass, action)
    }

    /// The action to take at `name` now, if it is armed and this is its pass. Crashes and
    /// sleeps happen here; `eio` is returned for the caller to turn into a failure.
    @discardableResult
    func hit(_ name: String) -> Action? {
        guard let armed, armed.name == name, counter.next() == armed.pass else { return nil }
        switch armed.action {
        case .crash: _exit(137)
        case .sleep(let ms): usleep(useconds_t(ms * 1000))
        case .eio: break
        }
        return armed.action
    }

    /// Throws EIO when the point is armed with `eio`.
    func check(_ name: String, path: String) throws(StoreError) {
        if hit(name) == .eio { throw StoreError(operation: name, path: path, errno: EIO) }
    }

    private final class PassCounter: @unchecked Sendable {
        private var count = 0
        private var lock = pthread_mutex_t()
        init() { pthread_mutex_init(&lock, nil) }
        func next() -> Int {
            pthread_mutex_lock(&lock)
            defer { pthread_mutex_unlock(&lock) }
            count += 1
            return count
        }
    }
}
