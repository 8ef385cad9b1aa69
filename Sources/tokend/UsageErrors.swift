import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The two command-line mistakes that argument-parser reports unhelpfully here, caught before
/// it parses: a mistyped command (`tokend tokne list`), which it would take for arguments of
/// `serve`, the default command, and answer with `serve`'s usage; and a mistyped option
/// (`--scope api`), which it would report as the required option missing. Each is named, with
/// the nearest valid spelling and the command's own help.
enum UsageErrors {
    /// The message for `arguments` (without the program name), or nil when neither mistake is
    /// there and argument-parser should go on as usual.
    static func message(for arguments: [String]) -> String? {
        let words = arguments.prefix { $0 != "--" }
        if let first = words.first, !first.hasPrefix("-") {
            let names = Tokend.configuration.subcommands.map { $0._commandName } + ["help"]
            if !names.contains(first) {
                return "unknown command '\(first)'" + suggestion(first, among: names) + "\n  See 'tokend --help' for the commands."
            }
        }
        let (command, path, stop) = resolve(Array(words))
        let subcommands = command.configuration.subcommands.map { $0._commandName }
        if !subcommands.isEmpty {
            guard let stop, !stop.hasPrefix("-") else { return nil }
            let parent = (["tokend"] + path).joined(separator: " ")
            return "unknown command '\(parent) \(stop)'" + suggestion(stop, among: subcommands)
                + "\n  See '\(parent) --help' for its commands."
        }
        let known = options(of: command)
        for word in words where word.hasPrefix("--") && word.count > 2 {
            let name = String(word.split(separator: "=", maxSplits: 1)[0])
            guard !known.contains(name) else { continue }
            return "unknown option '\(name)'" + suggestion(name, among: known.sorted())
                + "\n  See '\((["tokend"] + path).joined(separator: " ")) --help' for its options."
        }
        return nil
    }

    /// The subcommand the leading words name, its path of names, and the first word that names
    /// none (nil when the words ran out).
    static func resolve(_ words: [String]) -> (any ParsableCommand.Type, [String], String?) {
        var command: any ParsableCommand.Type = Tokend.self
        var path: [String] = []
        for word in words where !word.hasPrefix("-") {
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == word }) else {
                return path.isEmpty ? (Serve.self, ["serve"], nil) : (command, path, word)
            }
            command = next
            path.append(word)
        }
        return path.isEmpty ? (Serve.self, ["serve"], nil) : (command, path, nil)
    }

    /// Every `--option` the command's help shows, plus the ones every command takes.
    static func options(of command: any ParsableCommand.Type) -> Set<String> {
        var names: Set<String> = ["--help", "--version", "--experimental-dump-help", "--generate-completion-script"]
        let help = Tokend.helpMessage(for: command, columns: 10_000)
        var index = help.startIndex
        while let range = help[index...].range(of: "--") {
            var end = range.upperBound
            while end < help.endIndex, help[end].isLetter || help[end].isNumber || help[end] == "-" { end = help.index(after: end) }
            if end > range.upperBound { names.insert(String(help[range.lowerBound..<end])) }
            index = end > range.upperBound ? end : range.upperBound
        }
        // `--no-x` for every on/off `--x`, as the generated setting flags take both.
        for name in names where name.hasPrefix("--no-") { names.insert("--" + name.dropFirst(5)) }
        return names
    }

    /// "; did you mean 'x'?" when a name is within two edits, else nothing.
    static func suggestion(_ word: String, among names: [String]) -> String {
        let scored = names.map { ($0, distance(word, $0)) }.filter { $0.1 <= 2 }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return "" }
        return "; did you mean '\(best.0)'?"
    }

    /// Levenshtein distance, with a transposition counted as one edit.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { current[j] = min(current[j], previous2[j - 2] + 1) }
            }
            previous2 = previous
            previous = current
        }
        return previous[b.count]
    }
}
