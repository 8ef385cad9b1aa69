import Foundation

/// The optional settings file (`--config FILE` or `TOKEND_CONFIG`): one `name = value` per line,
/// names as the flags without dashes (`data = /var/lib/tokend`, `token-prefix = glpat-`),
/// `#` starts a comment. A flag beats the environment, the environment beats the file.
struct ConfigFile {
    var values: [String: String] = [:]
    var path: String?

    /// The file named by `TOKEND_CONFIG`, read once; an unreadable file is reported, not ignored.
    static let current: Result<ConfigFile, ConfigError> = {
        guard let path = ProcessInfo.processInfo.environment["TOKEND_CONFIG"], !path.isEmpty else {
            return .success(ConfigFile())
        }
        return Result { try ConfigFile(path: path) }.mapError { $0 as? ConfigError ?? ConfigError(description: "\($0)") }
    }()

    struct ConfigError: Error, CustomStringConvertible {
        var description: String
    }

    init() {}

    init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(description: "cannot read the config file \(path)")
        }
        self.path = path
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ConfigError(description: "\(path):\(number + 1): expected name = value") }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard Self.knownNames.contains(name) else {
                throw ConfigError(description: "\(path):\(number + 1): unknown setting '\(name)'")
            }
            values[name] = parts[1].trimmingCharacters(in: .whitespaces)
        }
    }

    /// Every setting a config file may hold (the `serve` flags).
    static let knownNames: Set<String> = [
        "data", "log-level", "token-prefix", "require-expiry", "max-lifetime-days", "admin-mode", "external-url",
        "socket", "socket-mode", "listen", "threads", "max-body-size", "monitoring-allow", "allow-network-filesystem",
    ]

    /// `TOKEND_TOKEN_PREFIX` → `token-prefix`.
    static func name(forVariable variable: String) -> String {
        String(variable.dropFirst("TOKEND_".count)).lowercased().replacingOccurrences(of: "_", with: "-")
    }
}
