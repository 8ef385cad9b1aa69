public import TokenCore

/// A failure talking to PostgreSQL: what was attempted, where (`host:port/db`, never the
/// password), PostgreSQL's SQLSTATE when the server answered, and its message.
///
/// Rendered uniformly: `query failed on 127.0.0.1:5432/tokend: 55P03 (canceling statement due to lock timeout)`.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// No connection, a connection lost, or no answer within the bound: retry later.
        case unreachable
        /// The server answered with an error (SQLSTATE in ``sqlState``).
        case server
        /// The database holds something tokend cannot read (a corrupt change, a missing schema).
        case corrupt
    }

    public var kind: Kind
    public var operation: String
    /// `host:port/db` (or the socket directory), for the operator; never credentials.
    public var location: String
    public var sqlState: String?
    public var detail: String

    public init(_ kind: Kind, operation: String, location: String, sqlState: String? = nil, detail: String) {
        self.kind = kind
        self.operation = operation
        self.location = location
        self.sqlState = sqlState
        self.detail = detail
    }

    public var description: String {
        var text = "\(operation) failed on \(location)"
        if let sqlState { text += ": \(sqlState)" }
        return text + " (\(detail))"
    }

    /// How the API answers: an unreachable database or a lock held past the bound is a 503
    /// with `Retry-After`; anything else refuses the write with a 503 and the log says why.
    public var repositoryError: RepositoryError {
        switch kind {
        case .unreachable:
            return RepositoryError(.unavailable, description)
        case .server:
            // 55P03 lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout),
            // 40001/40P01 serialization failure or deadlock, 57P01-03 the server shutting down,
            // 53xxx out of resources, 25006 a read-only server (a standby, reached without
            // target_session_attrs=read-write): all pass; the client may retry.
            if let state = sqlState, ["55P03", "57014", "40001", "40P01", "57P01", "57P02", "57P03", "25006"].contains(state) || state.hasPrefix("53") || state.hasPrefix("08") {
                return RepositoryError(state == "55P03" ? .busy : .unavailable, description)
            }
            return RepositoryError(.failed, description)
        case .corrupt:
            return RepositoryError(.failed, description)
        }
    }
}
