import Foundation
import Testing

/// ARCHITECTURE.md's target map is checked against Package.swift (`swift package
/// dump-package`), and every `import` of a target's sources against the dependencies the target
/// declares, so neither the map nor the manifest can drift from the code.
@Suite(.timeLimit(.minutes(20)))
struct ArchitectureMapTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A target of the manifest: its kind, and what it depends on, by target or package name
    /// (as the map names them) and by module name (as sources import them).
    struct Target {
        var name: String
        var kind: String
        var dependencies: Set<String>
        var modules: Set<String>
    }

    /// Read once for both tests (they run at the same time).
    static let manifestTargets = Result { try readManifest() }

    static func manifest() throws -> [Target] { try manifestTargets.get() }

    static func readManifest() throws -> [Target] {
        let scratch = try LiveServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let dump = try LiveServer.run("/usr/bin/env", ["swift", "package", "--package-path", root, "--scratch-path", scratch, "dump-package"])
        guard dump.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any],
            let targets = json["targets"] as? [[String: Any]]
        else { throw HarnessError("swift package dump-package failed (\(dump.status)): \(dump.stderr)") }
        return targets.compactMap { target in
            guard let name = target["name"] as? String, let kind = target["type"] as? String else { return nil }
            var dependencies = Set<String>()
            var modules = Set<String>()
            for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
                if let byName = dependency["byName"] as? [Any], let module = byName.first as? String {
                    dependencies.insert(module)
                    modules.insert(module)
                } else if let product = dependency["product"] as? [Any], let module = product.first as? String {
                    if let package = product.dropFirst().first as? String { dependencies.insert(package) }
                    modules.insert(module)
                } else if let target = dependency["target"] as? [Any], let module = target.first as? String {
                    dependencies.insert(module)
                    modules.insert(module)
                }
            }
            return Target(name: name, kind: kind, dependencies: dependencies, modules: modules)
        }
    }

    /// The map's rows: `| `Target` | holds | depends on |`, dependencies by name (a note in
    /// parentheses after a name is allowed; `—` is none).
    static func mapRows() throws -> [String: Set<String>] {
        let text = try String(contentsOfFile: root + "/ARCHITECTURE.md", encoding: .utf8)
        var rows: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let listed = cells[cells.count - 2]
            rows[name] = Set(
                listed.split(separator: ",").compactMap { entry -> String? in
                    let word = entry.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                    let bare = word.trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                    return bare.isEmpty || bare == "—" ? nil : bare
                })
        }
        return rows
    }

    @Test func everyTargetIsInTheMapWithWhatItDependsOn() throws {
        let rows = try Self.mapRows()
        for target in try Self.manifest() where target.kind != "test" {
            let row = rows[target.name]
            #expect(row != nil, "ARCHITECTURE.md's target map has no row for \(target.name)")
            if let row { #expect(row == target.dependencies, "\(target.name): the map says \(row.sorted()), Package.swift \(target.dependencies.sorted())") }
        }
    }

    /// Modules every target may import without declaring them: the toolchain's.
    static let toolchain: Set<String> = ["Foundation", "FoundationEssentials", "Glibc", "Musl", "Dispatch", "Synchronization", "Testing", "XCTest", "_Concurrency"]

    @Test func everyImportIsADeclaredDependency() throws {
        for target in try Self.manifest() where target.kind == "regular" || target.kind == "executable" {
            let directory = Self.root + "/Sources/" + target.name
            let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
            #expect(!files.isEmpty, "\(target.name) has sources")
            for file in files {
                let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ").map(String.init)
                    guard let index = words.firstIndex(of: "import"),
                        words[..<index].allSatisfy({ ["public", "internal", "package", "private", "fileprivate", "@_exported", "@preconcurrency"].contains($0) }),
                        index + 1 < words.count
                    else { continue }
                    var named = index + 1
                    if ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"].contains(words[named]), named + 1 < words.count { named += 1 }
                    let module = String(words[named].split(separator: ".").first ?? "")
                    if Self.toolchain.contains(module) { continue }
                    #expect(target.modules.contains(module), "\(target.name)/\(file) imports \(module), which \(target.name) does not declare")
                }
            }
        }
    }
}
