/// The optional settings file (`--config FILE` or `TOKEND_CONFIG`): one `name = value` per line,
/// names as the flags without dashes (`data = /var/lib/tokend`, `token-prefix = glpat-`), `#`
/// starts a comment. Parsing is pure; reading the file is the caller's.
public struct ConfigFile: Sendable, Equatable {
    public var values: [SettingName: String] = [:]
    /// Where it was read from, as `config check` names the source.
    public var path: String

    public init(path: String, values: [SettingName: String] = [:]) {
        self.path = path
        self.values = values
    }

    /// Parses the text of a config file; an unknown name or a line without `=` is an error
    /// naming the file and the line.
    public init(text: String, path: String) throws(SettingsError) {
        self.path = path
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = line.trimmed
            guard !trimmed.isEmpty else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw SettingsError("\(path):\(number + 1): expected name = value") }
            let name = parts[0].trimmed
            guard let setting = SettingName(rawValue: name), setting != .config else {
                throw SettingsError("\(path):\(number + 1): unknown setting '\(name)'")
            }
            values[setting] = parts[1].trimmed
        }
    }
}

extension Substring {
    var trimmed: String {
        var s = self
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}

/// A setting that cannot be used, with a message for the operator (`--threads must be at
/// least 1`, `tokend.conf:3: unknown setting 'x'`).
public struct SettingsError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
