import InMemoryLogging
import Logging
import TokenCore
import TokendTesting

/// A test client whose repository refuses writes on demand (``FaultyRepository``) and whose
/// every log line lands in ``logs``: for the tests of what the error paths write to the log.
struct LoggedFaultyClient {
    let client: TestClient
    /// Refuses writes when told (`store.refuseWrites(with:)`).
    let store: FaultyRepository
    let logs: InMemoryLogHandler
    /// The administrator, user 1.
    let root: User

    init() throws {
        let logs = InMemoryLogHandler()
        var faulty: FaultyRepository?
        client = TestClient(logger: Logger(label: "test") { _ in logs }) { base in
            let wrapped = FaultyRepository(base)
            faulty = wrapped
            return wrapped
        }
        guard let faulty else { throw RepositoryError(.failed, "TestClient did not wrap its repository") }
        store = faulty
        self.logs = logs
        root = try client.repository.read { $0.user(UserID(1))! }
    }
}

extension LoggedFaultyClient {
    /// The four, to destructure in one line.
    var parts: (TestClient, FaultyRepository, InMemoryLogHandler, User) { (client, store, logs, root) }
}
