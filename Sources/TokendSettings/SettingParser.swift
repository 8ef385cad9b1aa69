import FastCGIServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Turns a setting's text into its typed value, once, or says what is wrong with it. The problem
/// is written to follow the flag (`must be at least 1` → `--threads must be at least 1`);
/// ``Settings/resolve(flags:environment:file:)`` adds the flag and, when it was not a flag,
/// where the value came from.
public struct SettingParser: Sendable {
    /// The value's type, for the typed accessors of ``Settings``.
    public let type: any Sendable.Type
    let parse: @Sendable (String) -> Result<any Sendable, SettingsError>

    init<Value: Sendable>(_ type: Value.Type, _ parse: @escaping @Sendable (String) -> Result<Value, SettingsError>) {
        self.type = type
        self.parse = { text in parse(text).map { $0 } }
    }

    /// Any text, as given.
    public static let text = SettingParser(String.self) { .success($0) }

    /// `true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off`, in any case.
    public static let boolean = SettingParser(Bool.self) { text in
        switch text.lowercased() {
        case "true", "1", "yes", "on": return .success(true)
        case "false", "0", "no", "off": return .success(false)
        default: return .failure(SettingsError("takes true or false, not '\(text)'"))
        }
    }

    /// A whole number of at least `minimum`; `otherwise` is the problem with a smaller one.
    public static func number(atLeast minimum: Int, otherwise: String) -> SettingParser {
        SettingParser(Int.self) { text in
            guard let number = Int(text) else { return .failure(SettingsError("takes a whole number, not '\(text)'")) }
            return number >= minimum ? .success(number) : .failure(SettingsError(otherwise))
        }
    }

    /// A log level by swift-log's names, in any case.
    public static let logLevel = SettingParser(Logger.Level.self) { text in
        Logger.Level(rawValue: text.lowercased()).map { .success($0) }
            ?? .failure(SettingsError("takes trace, debug, info, notice, warning, error or critical, not '\(text)'"))
    }

    /// A file mode in octal, at most 0777.
    public static let octalMode = SettingParser(mode_t.self) { text in
        guard let mode = mode_t(text, radix: 8), mode <= 0o777 else { return .failure(SettingsError("takes an octal mode such as 0660")) }
        return .success(mode)
    }

    /// `HOST:PORT` for a TCP listening socket.
    public static let tcpAddress = SettingParser(ListenSocket.self) { text in
        ListenSocket.parseTCP(text).map { .success($0) } ?? .failure(SettingsError("takes HOST:PORT, e.g. 127.0.0.1:9000"))
    }

    /// An http:// or https:// URL of visible ASCII.
    public static let httpURL = SettingParser(String.self) { url in
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(SettingsError("takes an http:// or https:// URL, e.g. https://gitlab.example.com"))
        }
        return .success(url)
    }

    /// A comma-separated list; blanks around items and empty items dropped.
    public static let list = SettingParser([String].self) { text in
        .success(text.split(separator: ",").map { Substring($0).trimmed }.filter { !$0.isEmpty })
    }

    /// A PostgreSQL URL or libpq's keyword/value form (``PostgresConninfo``).
    public static let postgres = SettingParser(PostgresConninfo.self, PostgresConninfo.parse)

    /// Text that `isValid` accepts; `otherwise` is the problem with any other.
    public static func checked(otherwise: String, _ isValid: @escaping @Sendable (String) -> Bool) -> SettingParser {
        SettingParser(String.self) { text in isValid(text) ? .success(text) : .failure(SettingsError(otherwise)) }
    }
}
