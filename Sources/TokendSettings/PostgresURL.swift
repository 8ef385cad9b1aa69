/// The PostgreSQL URL of `--store` (`TOKEND_STORE`): checked and shown without its password.
public enum PostgresURL {
    /// A `postgres://` or `postgresql://` URL without spaces or control characters (libpq
    /// parses the rest, and says what is wrong with it when it connects).
    public static func isValid(_ text: String) -> Bool {
        (text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"))
            && text.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    }

    /// The URL with any password replaced by `***` (in the authority, and in every parameter
    /// whose keyword names a secret: `password=`, `sslpassword=`, …, as in the keyword/value
    /// form): for logs, errors and `tokend config check`.
    public static func redacted(_ url: String) -> String {
        var text = Substring(url)
        var out = ""
        if let scheme = Self.afterScheme(text) {
            out += text[..<scheme]
            text = text[scheme...]
        }
        let authorityEnd = text.firstIndex { $0 == "/" || $0 == "?" } ?? text.endIndex
        let authority = text[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            if let colon = credentials.firstIndex(of: ":") {
                out += credentials[..<colon] + ":***"
            } else {
                out += credentials
            }
            out += authority[at...]
        } else {
            out += authority
        }
        var rest = String(text[authorityEnd...])
        if let query = rest.firstIndex(of: "?") {
            let parameters = rest[rest.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
                guard let equals = pair.firstIndex(of: "="),
                    PostgresKeywordForm.secrets.contains(pair[..<equals].lowercased())
                else { return String(pair) }
                return pair[...equals] + "***"
            }
            rest = String(rest[...query]) + parameters.joined(separator: "&")
        }
        return out + rest
    }

    /// `host:port/db` as the URL names them (defaults left to libpq), for messages.
    public static func location(_ url: String) -> String {
        var text = Substring(redacted(url))
        if let scheme = Self.afterScheme(text) { text = text[scheme...] }
        if let query = text.firstIndex(of: "?") { text = text[..<query] }
        if let at = text.lastIndex(of: "@") { text = text[text.index(after: at)...] }
        return text.isEmpty ? "(libpq defaults)" : String(text)
    }

    /// Where the text after `scheme://` starts.
    static func afterScheme(_ text: Substring) -> Substring.Index? {
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else { return nil }
        return text.index(colon, offsetBy: 3)
    }

}
