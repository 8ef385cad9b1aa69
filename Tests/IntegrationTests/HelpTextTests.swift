import Foundation
import Testing

/// Every command's whole `--help`, compared with the reviewed text in `Tests/IntegrationTests/Help/`
/// (swift-argument-parser's own habit: black-box and in full, so a changed word is a reviewed
/// change). `scripts/update-help` rewrites the files from the built binary.
@Suite(.timeLimit(.minutes(20)))
struct HelpTextTests {
    static let directory = LiveServer.packageRoot + "/Tests/IntegrationTests/Help"

    /// Every command path, found by following the SUBCOMMANDS sections from `tokend --help`.
    static func commands() throws -> [[String]] {
        var found: [[String]] = []
        var pending: [[String]] = [[]]
        while let command = pending.popLast() {
            found.append(command)
            let help = try LiveServer.run(LiveServer.binaryPath, command + ["--help"], environment: ["COLUMNS": "80"]).stdout
            guard let section = help.range(of: "SUBCOMMANDS:\n") else { continue }
            for line in help[section.upperBound...].split(separator: "\n") {
                guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.contains("See '") else { continue }
                if let name = line.split(separator: " ").first { pending.append(command + [String(name)]) }
            }
        }
        return found.sorted { $0.joined(separator: " ") < $1.joined(separator: " ") }
    }

    static func file(for command: [String]) -> String {
        directory + "/" + (["tokend"] + command).joined(separator: "-") + ".txt"
    }

    @Test func everyCommandsHelpIsTheReviewedText() throws {
        let commands = try Self.commands()
        #expect(commands.count >= 20, "found only \(commands)")
        for command in commands {
            let result = try LiveServer.run(LiveServer.binaryPath, command + ["--help"], environment: ["COLUMNS": "80"])
            #expect(result.status == 0)
            let golden = try? String(contentsOfFile: Self.file(for: command), encoding: .utf8)
            #expect(golden != nil, "no reviewed help for `tokend \(command.joined(separator: " "))`: run scripts/update-help")
            #expect(result.stdout == golden, "`tokend \(command.joined(separator: " ")) --help` changed: review it, then scripts/update-help")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".txt") }
        #expect(Set(files) == Set(commands.map { URL(fileURLWithPath: Self.file(for: $0)).lastPathComponent }), "a help file names no command")
    }

    /// Every command teaches by example, as the style asks.
    @Test func everyLeafCommandHasAnExample() throws {
        for command in try Self.commands() where !command.isEmpty {
            let help = try LiveServer.run(LiveServer.binaryPath, command + ["--help"], environment: ["COLUMNS": "80"]).stdout
            guard !help.contains("SUBCOMMANDS:") else { continue }
            #expect(help.contains("Example"), "`tokend \(command.joined(separator: " "))` has no example")
        }
    }

    @Test func versionIsPrinted() throws {
        let result = try LiveServer.run(LiveServer.binaryPath, ["--version"])
        #expect(result.status == 0)
        // Every build says its version and commit (`unknown` only outside a git checkout).
        let printed = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.firstMatch(of: /^\S+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$/) != nil, "\(printed)")
        if FileManager.default.fileExists(atPath: LiveServer.packageRoot + "/.git") {
            #expect(!printed.contains("(commit unknown)"), "built in a git checkout: \(printed)")
        }
    }
}
