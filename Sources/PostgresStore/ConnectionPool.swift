import Synchronization

/// Blocking connections for the worker's request threads: one per thread at a time, kept for
/// the next request (a worker with N threads holds at most N). A connection that broke is
/// dropped, and the next request opens a new one: the pool recovers by itself when the
/// database comes back.
final class ConnectionPool: Sendable {
    let location: PostgresLocation
    private let idle = Mutex<[PostgresConnection]>([])
    /// Run once on every new connection (session settings).
    private let setup: @Sendable (PostgresConnection) throws(PostgresError) -> Void

    init(location: PostgresLocation, setup: @escaping @Sendable (PostgresConnection) throws(PostgresError) -> Void) {
        self.location = location
        self.setup = setup
    }

    /// Runs `body` on a connection of its own; returns the connection afterwards if it is still
    /// usable and idle (a connection left inside a transaction is closed, rolling it back).
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try take()
        defer { give(connection) }
        return try body(connection)
    }

    private func take() throws(PostgresError) -> PostgresConnection {
        while let connection = idle.withLock({ $0.popLast() }) {
            if connection.isAliveWhileIdle { return connection }
        }
        let connection = try PostgresConnection(parameters: location.connectionParameters, location: location.description)
        try setup(connection)
        return connection
    }

    private func give(_ connection: PostgresConnection) {
        guard connection.isReusable else { return }
        idle.withLock { $0.append(connection) }
    }

    /// Opens connections until `count` are idle, as a worker with `count` threads will hold
    /// them anyway: its first requests then wait for no connect, and what it holds is the same
    /// from its start. Best effort: a connection that cannot be opened now opens at first use.
    func prefill(_ count: Int) {
        var opened: [PostgresConnection] = []
        while idle.withLock({ $0.count }) + opened.count < count {
            guard let connection = try? PostgresConnection(parameters: location.connectionParameters, location: location.description),
                (try? setup(connection)) != nil
            else { break }
            opened.append(connection)
        }
        for connection in opened { give(connection) }
    }

    /// Closes every idle connection (after the database restarted, say).
    func drain() { idle.withLock { $0.removeAll() } }
}
