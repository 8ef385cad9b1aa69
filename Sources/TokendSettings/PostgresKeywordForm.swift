/// libpq's keyword/value connection string (`host=h1,h2 port=5432 dbname=tokend`), read by
/// libpq's own rules: `keyword = value` pairs separated by whitespace; a value in single quotes
/// may hold spaces; a backslash takes the next character literally (`\'`, `\\`), quoted or not.
/// One pass, linear in the text.
///
/// Stricter than libpq where it costs nothing: a keyword libpq does not know, a keyword given
/// twice, or a `dbname` that is itself a connection string is refused here, when the setting is
/// read, rather than on every connection. Errors never repeat a value, nor a word that is not
/// a known keyword (it may be a mistyped password).
enum PostgresKeywordForm {
    /// libpq's connection keywords (PostgreSQL 12 to 18; `authtype` and `tty` are accepted and
    /// ignored by libpq).
    static let keywords: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "service", "connect_timeout",
        "client_encoding", "options", "application_name", "fallback_application_name", "keepalives", "keepalives_idle",
        "keepalives_interval", "keepalives_count", "tcp_user_timeout", "target_session_attrs", "load_balance_hosts",
        "channel_binding", "require_auth", "sslmode", "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslcertmode",
        "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "sslkeylogfile", "requirepeer",
        "ssl_min_protocol_version", "ssl_max_protocol_version", "min_protocol_version", "max_protocol_version",
        "gssencmode", "krbsrvname", "gsslib", "gssdelegation", "replication", "scram_client_key", "scram_server_key",
        "oauth_issuer", "oauth_client_id", "oauth_client_secret", "oauth_scope", "authtype", "tty",
    ]

    /// The keywords whose values are secrets: shown as `***`.
    static let secrets: Set<String> = ["password", "sslpassword", "scram_client_key", "scram_server_key", "oauth_client_secret"]

    static func parse(_ text: String) -> Result<[PostgresConninfo.Parameter], SettingsError> {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            return .failure(SettingsError("must not hold control characters (the keyword/value form separates pairs with spaces)"))
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") }
        var parameters: [PostgresConninfo.Parameter] = []
        var index = 0
        while true {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else { break }
            let ordinal = parameters.count + 1
            let keywordStart = index
            while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: "=") { index += 1 }
            let keyword = String(decoding: bytes[keywordStart..<index], as: UTF8.self)
            guard keywords.contains(keyword) else {
                return .failure(SettingsError(
                    "in the keyword/value form: word \(ordinal) is not a libpq connection keyword (host, port, dbname, user, target_session_attrs, sslmode, …)"))
            }
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                return .failure(SettingsError("in the keyword/value form: \(keyword) has no '=': write \(keyword)=value"))
            }
            index += 1
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "'") {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\\"), index < bytes.count {
                        value.append(bytes[index])
                        index += 1
                    } else if byte == UInt8(ascii: "'") {
                        closed = true
                        break
                    } else {
                        value.append(byte)
                    }
                }
                guard closed else {
                    return .failure(SettingsError("in the keyword/value form: the quoted value of \(keyword) has no closing '"))
                }
            } else {
                while index < bytes.count, !isSpace(bytes[index]) {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
                    value.append(bytes[index])
                    index += 1
                }
            }
            guard !parameters.contains(where: { $0.keyword == keyword }) else {
                return .failure(SettingsError("in the keyword/value form: \(keyword) is given twice"))
            }
            let text = String(decoding: value, as: UTF8.self)
            if keyword == "dbname", text.contains("=") || text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
                return .failure(SettingsError("in the keyword/value form: dbname names a database, not another connection string"))
            }
            parameters.append(PostgresConninfo.Parameter(keyword, text))
        }
        guard !parameters.isEmpty else {
            return .failure(SettingsError("in the keyword/value form: no keyword=value pair"))
        }
        return .success(parameters)
    }

    /// The pairs as a keyword/value string that libpq reads back the same, secrets as `***`.
    static func render(_ parameters: [PostgresConninfo.Parameter]) -> String {
        parameters.map { parameter in
            guard !secrets.contains(parameter.keyword) else { return parameter.keyword + "=***" }
            let value = parameter.value
            let plain = !value.isEmpty && !value.utf8.contains { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") }
            guard !plain else { return parameter.keyword + "=" + value }
            var quoted = "'"
            for character in value {
                if character == "'" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return parameter.keyword + "=" + quoted + "'"
        }.joined(separator: " ")
    }
}
