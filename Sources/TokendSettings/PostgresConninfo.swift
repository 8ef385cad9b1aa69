/// Where the PostgreSQL store is, as `--store` (`TOKEND_STORE`, `store = …`) gives it, parsed
/// once: a `postgres://` URL, or libpq's keyword/value form as psql takes it
/// (`host=h1,h2 port=5432,5433 dbname=tokend user=tokend target_session_attrs=read-write`).
///
/// ``parameters`` is what tokend hands to libpq (after its own defaults, so the operator's
/// values win): a URL as `dbname`, which libpq expands itself; the keyword/value form as the
/// pairs parsed here, so what is redacted is exactly what libpq uses. Neither ``shown`` nor
/// ``location`` nor any parse error ever holds a password.
public struct PostgresConninfo: Sendable, Equatable {
    /// One libpq connection keyword and its value.
    public struct Parameter: Sendable, Equatable {
        public var keyword: String
        public var value: String

        public init(_ keyword: String, _ value: String) {
            self.keyword = keyword
            self.value = value
        }
    }

    /// The libpq keywords and values, in the order given.
    public let parameters: [Parameter]
    /// The setting without its password: for `config check`.
    public let shown: String
    /// `host:port/db` (several hosts comma-separated, defaults left to libpq): for messages.
    public let location: String

    /// Parses `text`, or says what is wrong with it (without repeating a value from it).
    public static func parse(_ text: String) -> Result<PostgresConninfo, SettingsError> {
        if PostgresURL.isValid(text) {
            return .success(
                PostgresConninfo(parameters: [Parameter("dbname", text)], shown: PostgresURL.redacted(text), location: PostgresURL.location(text)))
        }
        guard !text.hasPrefix("postgres://"), !text.hasPrefix("postgresql://"), text.contains("=") else {
            return .failure(SettingsError(
                "takes a PostgreSQL URL, postgres://user@host:port/database, or libpq's keyword/value form, "
                    + "host=… port=… dbname=… user=… (the JSON store needs none: it is in --data)"))
        }
        return PostgresKeywordForm.parse(text).map { parameters in
            PostgresConninfo(
                parameters: parameters, shown: PostgresKeywordForm.render(parameters), location: Self.location(of: parameters))
        }
    }

    /// What `config check` shows for a setting's text: the parsed form without its password,
    /// and nothing of a text that does not parse.
    public static func shown(_ text: String) -> String {
        (try? parse(text).get())?.shown ?? "(not a PostgreSQL store: not shown)"
    }

    /// `h1:p1,h2:p2/db` from the `host` (or `hostaddr`), `port` and `dbname` keywords: one port
    /// for every host, or one port each.
    static func location(of parameters: [Parameter]) -> String {
        func value(_ keyword: String) -> String? { parameters.last { $0.keyword == keyword }?.value }
        let hosts = (value("host") ?? value("hostaddr")).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        let ports = value("port").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        var places: [String] = []
        for (index, host) in hosts.enumerated() {
            let port = ports.count == hosts.count ? ports[index] : ports.count == 1 ? ports[0] : nil
            places.append(host + (port.map { ":" + $0 } ?? ""))
        }
        let text = places.joined(separator: ",") + (value("dbname").map { "/" + $0 } ?? "")
        return text.isEmpty ? "(libpq defaults)" : text
    }
}
