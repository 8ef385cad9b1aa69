/// Every setting of one tokend invocation, resolved once from its flags, the environment and the
/// config file, then passed down: nothing below the executable reads the environment. The
/// values are typed by the table (`SettingTable.swift`); `Settings+Values.swift` names them.
public struct Settings: Sendable {
    /// Where a value came from, strongest first.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case flag
        case environment(String)
        case file(String)
        case defaultValue

        public var description: String {
            switch self {
            case .flag: return "flag"
            case .environment(let variable): return variable
            case .file(let path): return path
            case .defaultValue: return "default"
            }
        }
    }

    /// Store knobs for tests and benchmarks: the compaction size always, a failpoint only with
    /// `TOKEND_TEST_HOOKS=1`. Not settings: no flag, no config key, not in `config check`.
    public struct TestHooks: Sendable, Equatable {
        /// `TOKEND_COMPACTION_BYTES`: compact when the journal passes this size.
        public var compactionBytes: Int?
        /// `TOKEND_FAILPOINT` (with `TOKEND_TEST_HOOKS=1`): `name[:n][=action]`, see the store's
        /// failpoints.
        public var failpoint: String?

        public init(compactionBytes: Int? = nil, failpoint: String? = nil) {
            self.compactionBytes = compactionBytes
            self.failpoint = failpoint
        }
    }

    /// Each setting's typed value (its default when nothing set it); absent: unset, no default.
    let values: [SettingName: any Sendable]
    public var testHooks: TestHooks?
    /// Each setting's value as given and its source, for `tokend config check`; absent: the default.
    public var sources: [SettingName: (value: String, source: Source)]

    /// Resolves `flags` over `environment` over `file` over the defaults, each value parsed by
    /// its declaration. Pure: the caller reads the environment and the file once and hands them in.
    public static func resolve(
        flags: [SettingName: String], environment: [String: String], file: ConfigFile?
    ) throws(SettingsError) -> Settings {
        var values: [SettingName: any Sendable] = [:]
        var sources: [SettingName: (value: String, source: Source)] = [:]
        for name in SettingName.allCases {
            let declaration = name.declaration
            let given: (value: String, source: Source)?
            if let value = flags[name] {
                given = (value, .flag)
            } else if let value = environment[name.variable], !value.isEmpty {
                given = (value, .environment(name.variable))
            } else if let file, let value = file.values[name] {
                given = (value, .file(file.path))
            } else {
                given = nil
            }
            guard let text = given?.value ?? declaration.defaultValue else { continue }
            switch declaration.parser.parse(text) {
            case .success(let value): values[name] = value
            case .failure(let problem):
                let from = given.map { $0.source == .flag ? "" : " (from \($0.source))" } ?? " (the default)"
                throw SettingsError("\(name.flag) \(problem.description)\(from)")
            }
            // `config check` shows where it came from, never a password.
            if let given { sources[name] = (declaration.shown(given.value), given.source) }
        }
        if values[.socket] != nil, values[.listen] != nil { throw SettingsError("give --socket or --listen, not both") }

        let compactionBytes = environment["TOKEND_COMPACTION_BYTES"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        let failpoint = environment["TOKEND_TEST_HOOKS"] == "1" ? environment["TOKEND_FAILPOINT"] : nil
        let testHooks = compactionBytes == nil && failpoint == nil
            ? nil : TestHooks(compactionBytes: compactionBytes, failpoint: failpoint)
        return Settings(values: values, testHooks: testHooks, sources: sources)
    }

    /// A setting's value as its declaration's parser typed it; nil when it is unset and has no
    /// default. Asking for another type than the declared one is a programming error.
    public func value<Value>(_ name: SettingName, as type: Value.Type = Value.self) -> Value? {
        guard let value = values[name] else { return nil }
        guard let typed = value as? Value else {
            preconditionFailure("\(name.flag) is declared as \(name.declaration.parser.type), not \(Value.self)")
        }
        return typed
    }

    /// The value of a setting that has a default (so it always has a value).
    func required<Value>(_ name: SettingName, as type: Value.Type = Value.self) -> Value {
        guard let value = value(name, as: type) else { preconditionFailure("\(name.flag) has no default") }
        return value
    }

    /// The forms `--audit-witness` takes (TokenStore's `AuditWitness` parses them): an absolute
    /// path of printable ASCII, a socket's short enough for `sun_path`.
    static func isAuditWitness(_ text: String) -> Bool {
        if text == "syslog" || text == "none" { return true }
        let printable = text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        if text.hasPrefix("file:/") { return printable && text.utf8.count < 4096 }
        if text.hasPrefix("unix:/") { return printable && text.utf8.count - 5 < 108 }
        return false
    }
}
