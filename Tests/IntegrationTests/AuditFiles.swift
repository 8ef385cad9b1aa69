import Foundation
import JSON
import Testing

/// Reading a live data directory's audit files, for the integration tests.
enum AuditFiles {
    /// Every line of `audit/`, oldest file first.
    static func lines(_ data: String) throws -> [String] {
        let directory = data + "/audit"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("audit-") }.sorted()
        return try names.flatMap { name in
            try String(contentsOfFile: directory + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
        }
    }

    /// Every acknowledged token has its `token_created` line (through its id, asked of the API),
    /// and no line holds a token value or the token prefix.
    static func expectEveryTokenAudited(_ tokens: [String], server: LiveServer) throws {
        let lines = try lines(server.data)
        let created = Set(lines.filter { $0.contains(#""event":"token_created""#) }.compactMap { line -> Int? in
            guard let range = line.range(of: #""target":{"type":"PersonalAccessToken","id":"#) else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        })
        var missing: [Int] = []
        for token in tokens {
            guard let id = try server.request("GET", "/personal_access_tokens/self", token: token).json?["id"]?.intValue else { continue }
            if !created.contains(id) { missing.append(id) }
        }
        #expect(missing.isEmpty, "acknowledged tokens without a token_created line: \(missing)")
        expectNoTokenValues(lines, tokens)
    }

    static func expectNoTokenValues(_ lines: [String], _ values: [String]) {
        let all = lines.joined(separator: "\n")
        #expect(!all.contains("glpat-"))
        for value in values { #expect(!all.contains(value)) }
    }
}
