/// Where the database is: a `postgres://user@host:port/db` URL (or `postgresql://`), as libpq
/// reads it, plus what tokend adds to every connection.
///
/// A password may be in the URL, but is better kept out of it: libpq also reads
/// `~/.pgpass` (or `PGPASSFILE`) and `PGPASSWORD`. ``description`` never shows a password:
/// the caller names the place (`host:port/db`) for messages.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public let url: String
    public let description: String

    public init(url: String, description: String) {
        self.url = url
        self.description = description
    }

    /// libpq keywords: tokend's defaults first, then the URL (`dbname`, expanded by libpq),
    /// whose own parameters win.
    var connectionParameters: [(String, String)] {
        [
            ("connect_timeout", "3"), ("application_name", "tokend"), ("client_encoding", "UTF8"),
            // A server that vanishes without closing the connection is noticed in seconds.
            ("keepalives", "1"), ("keepalives_idle", "5"), ("keepalives_interval", "2"), ("keepalives_count", "2"),
            ("tcp_user_timeout", "5000"), ("dbname", url),
        ]
    }
}
