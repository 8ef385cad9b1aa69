import PostgresStore
import Testing
import TokenCore

/// How a PostgreSQL failure answers the API: what a failover produces (a lost connection, a
/// server shutting down, a read-only standby) is a 503 with Retry-After (`unavailable`); a
/// constraint the server refused is not retried.
struct PostgresErrorMappingTests {
    @Test(arguments: [
        (PostgresError.Kind.unreachable, nil as String?, RepositoryError.Kind.unavailable),
        (.server, "57P01", .unavailable), (.server, "57P02", .unavailable), (.server, "08006", .unavailable),
        (.server, "25006", .unavailable), (.server, "55P03", .busy), (.server, "23505", .failed), (.corrupt, nil, .failed),
    ])
    func failoverFailuresAreUnavailable(kind: PostgresError.Kind, state: String?, expected: RepositoryError.Kind) {
        let error = PostgresError(kind, operation: "query", location: "127.0.0.1:5432,127.0.0.1:5433/tokend", sqlState: state, detail: "x")
        #expect(error.repositoryError.kind == expected)
    }
}
