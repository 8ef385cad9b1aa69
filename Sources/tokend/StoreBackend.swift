import FastCGIServer
import PostgresStore
import TokenAPI
import TokenCore
import TokenStore
import TokendSettings

/// The store `serve` answers from, chosen once from the settings: PostgreSQL when `--store`
/// names a database, else the data directory. It knows how to open itself for a long-lived
/// worker or for one CGI request, so nothing after it asks which backend it has.
enum StoreBackend {
    case postgres(PostgresLocation)
    case directory

    /// How long the opened store serves.
    enum Lifetime {
        /// A FastCGI worker: many requests, a flusher thread.
        case worker
        /// One CGI request, then the process exits.
        case oneRequest
    }

    init(_ settings: Settings) {
        self = settings.postgres.map(StoreBackend.postgres) ?? .directory
    }

    /// Opens the store with its secret and where failed authentications go: in a worker,
    /// batched into a store write every few seconds; for one request on the directory, into
    /// the spill file the next write takes in (`AuditSpill`).
    func open(_ settings: Settings, for lifetime: Lifetime) throws -> ServedStore {
        switch self {
        case .postgres(let location):
            let store = PostgresStore(location: location, logger: settings.logger("tokend"), auditWitness: settings.witness)
            let secret = try store.loadSecret()
            // A long-lived worker loads its replica now, not at its first request.
            if lifetime == .worker { try store.read { _ in } }
            return ServedStore(repository: store, secret: secret, failedAuthentications: .writing(to: store))
        case .directory:
            // One CGI request reads a token or two: find them in the files rather than load all.
            let store = try settings.openDirectory(loading: lifetime == .worker ? .eager : .onDemand)
            let secret = try store.loadSecret()
            guard lifetime == .oneRequest else {
                return ServedStore(repository: store, secret: secret, failedAuthentications: .writing(to: store))
            }
            let layout = store.layout
            let spill = FailedAuthenticationLog { events in AuditSpill.append(events, layout: layout) }
            return ServedStore(repository: store, secret: secret, failedAuthentications: spill)
        }
    }
}

/// An opened store, ready for ``Application``.
struct ServedStore {
    var repository: any TokenRepository
    var secret: TokenSecret
    var failedAuthentications: FailedAuthenticationLog
}
