#if canImport(Glibc)
import Glibc
#endif
import FastCGIServer
import PostgresStore
import TokenAPI
import TokenCore
import TokenStore
import TokendSettings

/// The store `serve` answers from, chosen once from the settings: PostgreSQL when `--store`
/// names a database, else the data directory. It knows how to open itself for a long-lived
/// worker or for one CGI request, so nothing after it asks which backend it has.
enum StoreBackend: Sendable {
    case postgres(PostgresLocation)
    case directory

    /// How long the opened store serves.
    enum Lifetime: Sendable {
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
            // A long-lived worker loads its replica and opens its connections now, not at its
            // first requests.
            if lifetime == .worker {
                try store.read { _ in }
                store.openConnections(forThreads: settings.workerThreads)
            }
            return ServedStore(repository: store, secret: secret, failedAuthentications: .writing(to: store))
        case .directory:
            // One CGI request reads a token or two: find them in the files rather than load all.
            let store = try settings.openDirectory(loading: lifetime == .worker ? .eager : .onDemand)
            // Held while this process serves, so that `store restore` knows (and a restore in
            // progress holds it exclusively: this open waits for it to end).
            try WorkerPresence.announce(in: store.layout)
            let secret = try store.loadSecret()
            guard lifetime == .oneRequest else {
                return ServedStore(repository: store, secret: secret, failedAuthentications: .writing(to: store))
            }
            let layout = store.layout
            let spill = FailedAuthenticationLog { events in AuditSpill.append(events, layout: layout) }
            return ServedStore(repository: store, secret: secret, failedAuthentications: spill)
        }
    }

    /// What a worker serves until its store opens: every request answers as for a store that
    /// cannot be reached (`reason`), under a throwaway secret that nothing is ever digested
    /// against (every read throws first).
    func unreachable(_ reason: RepositoryError) -> ServedStore {
        let checks = if case .postgres = self { ["store_check", "db_check"] } else { ["store_check"] }
        let store = UnreachableStore(reason, readinessChecks: checks)
        return ServedStore(
            repository: store, secret: TokenSecret(bytes: RandomSource.system.bytes(32)), failedAuthentications: .writing(to: store))
    }

    /// Why the store cannot be opened, as the API reports it (503 with `Retry-After`), when
    /// waiting may cure it: the database does not answer, the data directory cannot be read by
    /// this user (its owner or modes), a restore is replacing it. Nil for what waiting does not
    /// cure (no store there, a corrupt one): a worker exits on those.
    static func notReady(_ error: any Error) -> RepositoryError? {
        switch error {
        case let error as RepositoryError where error.kind == .unavailable || error.kind == .busy:
            return RepositoryError(.unavailable, "cannot reach the database: \(error.message)")
        case let error as StoreError where [EACCES, EPERM, EWOULDBLOCK].contains(error.errno ?? 0):
            return RepositoryError(.unavailable, "cannot open the data directory: \(error)")
        default:
            return nil
        }
    }
}

/// An opened store, ready for ``Application``.
struct ServedStore {
    var repository: any TokenRepository
    var secret: TokenSecret
    var failedAuthentications: FailedAuthenticationLog
}
