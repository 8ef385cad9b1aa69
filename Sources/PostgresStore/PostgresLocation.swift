/// Where the database is: libpq connection keywords (a `postgres://user@host:port/db` URL is
/// one, `dbname`, which libpq expands), plus what tokend adds to every connection.
///
/// A password may be among them, but is better kept out: libpq also reads `~/.pgpass` (or
/// `PGPASSFILE`) and `PGPASSWORD`. ``description`` never shows a password: the caller names the
/// place (`host:port/db`) for messages.
///
/// Each new connection hands the whole list to libpq, which tries every host of a multi-host
/// list in turn (with `target_session_attrs=read-write`, the one that accepts writes): after a
/// failover, the next connection finds the promoted server by itself.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// libpq keywords and values, in order (a later one wins).
    public let parameters: [(keyword: String, value: String)]
    public let description: String

    public init(parameters: [(keyword: String, value: String)], description: String) {
        self.parameters = parameters
        self.description = description
    }

    /// A `postgres://` URL (or a keyword/value string), which libpq expands.
    public init(url: String, description: String) {
        self.init(parameters: [("dbname", url)], description: description)
    }

    public static func == (left: PostgresLocation, right: PostgresLocation) -> Bool {
        left.description == right.description && left.parameters.elementsEqual(right.parameters) { $0 == $1 }
    }

    /// libpq keywords: tokend's defaults first, then the operator's, whose own values win.
    var connectionParameters: [(String, String)] {
        [
            ("connect_timeout", "3"), ("application_name", "tokend"), ("client_encoding", "UTF8"),
            // A server that vanishes without closing the connection is noticed in seconds.
            ("keepalives", "1"), ("keepalives_idle", "5"), ("keepalives_interval", "2"), ("keepalives_count", "2"),
            ("tcp_user_timeout", "5000"),
        ] + parameters.map { ($0.keyword, $0.value) }
    }
}
