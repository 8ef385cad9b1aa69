import Foundation
import Testing
import TokendTesting

#if canImport(Glibc)
import Glibc
#endif

/// What the audit chain promises against truncation, rollback and forgery, each tampering done
/// on a real store that the real binary wrote (workers behind nginx, offline commands):
/// `tokend audit verify` compares the chain with the journal and the records the store holds,
/// checks a head recorded outside the data directory (`--head`, from the witness), never signs
/// what the store did not write, and the CGI spill file carries only failed authentications.
@Suite(.timeLimit(.minutes(20)))
struct AuditTruncationTests {
    /// A store with a few users and tokens in two or more small audit files, the workers
    /// stopped, and the witness writing to a file the test owns.
    final class Fixture {
        let server: LiveServer
        let witness: String
        var environment: [String: String]

        init() throws {
            let directory = try LiveServer.makeTemporaryDirectory()
            witness = directory + "/witness.log"
            environment = ["TOKEND_AUDIT_WITNESS": "file:" + witness, "TOKEND_AUDIT_MAX_FILE_SIZE": "4096"]
            server = try LiveServer(environment: environment)
        }

        func tokend(_ arguments: [String]) throws -> String { try server.tokend(arguments, environment: environment) }

        func users(_ names: [String], token: String) throws {
            for name in names {
                let created = try server.request("POST", "/users", token: token, form: "username=\(name)&name=\(name)&email=\(name)@example.com")
                #expect(created.status == 201, "\(created.body)")
            }
        }

        func verify(_ data: String, _ extra: [String] = [], repair: Bool = false) throws -> LiveServer.RunResult {
            try LiveServer.run(server.binary, ["audit", "verify", "--data", data] + (repair ? [] : ["--no-repair"]) + extra, environment: environment)
        }

        /// A copy of the data directory, the workers stopped.
        func copy(_ name: String) throws -> String {
            let copy = server.directory + "/" + name
            #expect(try LiveServer.run("/bin/cp", ["-a", server.data, copy]).status == 0)
            return copy
        }

        /// The newest head the witness recorded (`SEQ:MAC`).
        func witnessedHead() throws -> String {
            let text = try String(contentsOfFile: witness, encoding: .utf8)
            let last = try #require(text.split(separator: "\n").last)
            return String(try #require(last.split(separator: " ").last))
        }
    }

    static func auditFiles(_ data: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: data + "/audit").filter { $0.hasPrefix("audit-") }.sorted()
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// Each way of cutting events from the end (or rolling `audit/` back) is named by
    /// `audit verify --no-repair` against the journal; the untouched copy verifies.
    @Test(arguments: ["delete-last-two-lines", "roll-back-audit-directory", "delete-newest-rotated-file"])
    func eventsCutFromTheEndAreNamed(_ kind: String) throws {
        let fixture = try Fixture()
        defer { fixture.server.stop() }
        let admin = try fixture.server.createToken(name: "admin")
        try fixture.users(["ann", "ben", "cat", "dan", "eve", "fay"], token: admin)
        let older = fixture.server.directory + "/audit-older"
        #expect(try LiveServer.run("/bin/cp", ["-a", fixture.server.data + "/audit", older]).status == 0)
        try fixture.users(["gus", "hal", "ida", "jon", "kim", "lee", "max", "ned", "oli", "pam"], token: admin)
        _ = fixture.server.stopWorkers()
        let copy = try fixture.copy("copy")
        let intact = try fixture.verify(copy)
        #expect(intact.status == 0, "\(intact.stdout) \(intact.stderr)")
        let files = try Self.auditFiles(copy)
        try #require(files.count >= 2, "\(files)")
        switch kind {
        case "delete-last-two-lines":
            let newest = copy + "/audit/" + files.last!
            try Self.write(Array(try Self.lines(newest).dropLast(2)), to: newest)
        case "roll-back-audit-directory":
            #expect(try LiveServer.run("/bin/rm", ["-rf", copy + "/audit"]).status == 0)
            #expect(try LiveServer.run("/bin/cp", ["-a", older, copy + "/audit"]).status == 0)
        default:
            try FileManager.default.removeItem(atPath: copy + "/audit/" + files.last!)
        }
        let broken = try fixture.verify(copy)
        #expect(broken.status == 1, "\(broken.stdout) \(broken.stderr)")
        #expect(broken.stdout.contains("the chain lacks"), "\(broken.stdout)")
        #expect(broken.stdout.contains("user_created"), "the missing events are named: \(broken.stdout)")
    }

    /// The newest `token_created` line removed together with its journal record, the journal
    /// renumbered: the token exists with no audit line, and both verify modes say so.
    @Test func aTokenWithoutItsCreationLineIsNamed() throws {
        let fixture = try Fixture()
        defer { fixture.server.stop() }
        let admin = try fixture.server.createToken(name: "admin")
        try fixture.users(["ann", "ben"], token: admin)
        _ = fixture.server.stopWorkers()
        _ = try fixture.tokend(["token", "create", "--data", fixture.server.data, "--user", "ann", "--name", "hidden", "--scopes", "api"])
        try fixture.users([], token: admin)
        let data = fixture.server.data
        // The chain line and the journal record of the newest token_created, and the journal renumbered.
        let newest = data + "/audit/" + (try Self.auditFiles(data)).last!
        var chain = try Self.lines(newest)
        let index = try #require(chain.lastIndex { $0.contains(#""event":"token_created""#) })
        let jseq = try #require(Int(chain[index].split(separator: ",")[1].split(separator: ":")[1]))
        chain.remove(at: index)
        try Self.write(chain, to: newest)
        let journalPath = try #require(
            try FileManager.default.contentsOfDirectory(atPath: data).first { $0.hasPrefix("tokens.journal.") })
        var journal: [String] = []
        for line in try Self.lines(data + "/" + journalPath) {
            guard let range = line.range(of: #","seq":"#, options: .backwards), let seq = Int(line[range.upperBound...].dropLast())
            else { journal.append(line); continue }
            if seq == jseq { continue }
            journal.append(seq > jseq ? String(line[..<range.upperBound]) + "\(seq - 1)}" : line)
        }
        try Self.write(journal, to: data + "/" + journalPath)
        #expect(try fixture.tokend(["token", "list", "--data", data, "--user", "ann"]).contains("hidden"), "the token still exists")
        for repair in [false, true] {
            let verify = try fixture.verify(data, repair: repair)
            #expect(verify.status == 1, "repair \(repair): \(verify.stdout) \(verify.stderr)")
            #expect(verify.stdout.contains("no token_created or token_rotated line"), "repair \(repair): \(verify.stdout)")
        }
    }

    /// A head recorded outside the data directory catches what the files alone cannot: the
    /// whole data directory rolled back to an older, self-consistent copy.
    @Test func aWitnessedHeadCatchesARollbackOfTheWholeDirectory() throws {
        let fixture = try Fixture()
        defer { fixture.server.stop() }
        let admin = try fixture.server.createToken(name: "admin")
        try fixture.users(["ann", "ben"], token: admin)
        _ = fixture.server.stopWorkers()
        let older = try fixture.copy("older")
        try fixture.server.startWorker(environment: fixture.environment)
        try fixture.users(["cat", "dan"], token: admin)
        _ = fixture.server.stopWorkers()
        let head = try fixture.witnessedHead()
        let witnessed = try String(contentsOfFile: fixture.witness, encoding: .utf8)
        #expect(!witnessed.contains("glpat-") && !witnessed.contains(admin) && !witnessed.contains("ann"), "seq and MAC only: \(witnessed)")
        let current = try fixture.verify(fixture.server.data, ["--head", head])
        #expect(current.status == 0, "\(current.stdout) \(current.stderr)")
        let filesAlone = try fixture.verify(older)
        #expect(filesAlone.status == 0, "an older consistent copy verifies on its own: \(filesAlone.stdout)")
        let rolledBack = try fixture.verify(older, ["--head", head])
        #expect(rolledBack.status == 1, "\(rolledBack.stdout) \(rolledBack.stderr)")
        #expect(rolledBack.stdout.contains("recorded head"), "\(rolledBack.stdout)")
        let forged = try fixture.verify(fixture.server.data, ["--head", head.prefix { $0 != ":" } + ":" + String(repeating: "0", count: 64)])
        #expect(forged.status == 1, "a head whose MAC differs: \(forged.stdout)")
    }

    /// A forged event in the CGI spill file is refused (only a failed authentication with
    /// bounded fields is carried); a real failure next to it still is.
    @Test func theSpillFileCarriesOnlyFailedAuthentications() throws {
        let fixture = try Fixture()
        defer { fixture.server.stop() }
        let admin = try fixture.server.createToken(name: "admin")
        _ = fixture.server.stopWorkers()
        let time = "2026-01-01T00:00:00.000Z"
        let forged = [
            #"{"event":"token_revoked","time":"\#(time)","actor":{"user_id":1,"name":"Administrator"},"entity":{"type":"User","id":1},"target":{"type":"PersonalAccessToken","id":1,"details":"forged-revoke"},"token":{"id":1,"kind":"personal_access_token"}}"#,
            #"{"event":"authentication_failed","time":"\#(time)","actor":{"user_id":1,"name":"Administrator"},"entity":{"type":"Gitlab::Audit::InstanceScope","id":1},"target":{"type":"PersonalAccessToken","details":"forged-actor"},"reason":"unknown","count":1}"#,
            #"{"event":"authentication_failed","time":"\#(time)","actor":{"name":"anonymous"},"entity":{"type":"Gitlab::Audit::InstanceScope","id":1},"target":{"type":"PersonalAccessToken","details":"forged-long-\#(String(repeating: "x", count: 5000))"},"reason":"unknown","count":1}"#,
            #"{"event":"authentication_failed","time":"\#(time)","actor":{"name":"anonymous"},"ip":"203.0.113.5","entity":{"type":"Gitlab::Audit::InstanceScope","id":1},"target":{"type":"PersonalAccessToken","details":"unknown token"},"reason":"unknown","count":1}"#,
        ]
        try Self.write(forged, to: fixture.server.data + "/audit-failures.jsonl")
        _ = try fixture.tokend(["token", "create", "--data", fixture.server.data, "--user", "root", "--name", "next", "--scopes", "api"])
        let chained = try AuditFiles.lines(fixture.server.data)
        #expect(!chained.contains { $0.contains("forged") }, "\(chained.filter { $0.contains("forged") })")
        #expect(chained.filter { $0.contains(#""ip":"203.0.113.5""#) && $0.contains("authentication_failed") }.count == 1)
        #expect(try fixture.verify(fixture.server.data).status == 0)
        _ = admin
    }

    /// An audit record appended to the journal by hand is reported by the repairing verify,
    /// never chained (signed) into the files.
    @Test func aHandWrittenJournalRecordIsReportedNotSigned() throws {
        let fixture = try Fixture()
        defer { fixture.server.stop() }
        let admin = try fixture.server.createToken(name: "admin")
        try fixture.users(["ann"], token: admin)
        _ = fixture.server.stopWorkers()
        let data = fixture.server.data
        let journalName = try #require(
            try FileManager.default.contentsOfDirectory(atPath: data).first { $0.hasPrefix("tokens.journal.") })
        let journalPath = data + "/" + journalName
        let last = try #require(try Self.lines(journalPath).last)
        let range = try #require(last.range(of: #","seq":"#, options: .backwards))
        let seq = try #require(Int(last[range.upperBound...].dropLast()))
        let record = #"{"kind":"audit","op":"put","record":{"event":"token_revoked","time":"2026-01-01T00:00:00.000Z","actor":{"user_id":1,"name":"Administrator"},"entity":{"type":"User","id":1},"target":{"type":"PersonalAccessToken","id":1,"details":"forged-by-hand"},"token":{"id":1,"kind":"personal_access_token"}},"seq":\#(seq + 1)}"#
        let handle = try #require(FileHandle(forWritingAtPath: journalPath))
        handle.seekToEndOfFile()
        handle.write(Data((record + "\n").utf8))
        handle.closeFile()
        let verify = try fixture.verify(data, repair: true)
        #expect(verify.status == 1, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("journal seq \(seq + 1)") && verify.stdout.contains("no valid seal"), "\(verify.stdout)")
        #expect(!(try AuditFiles.lines(data)).contains { $0.contains("forged-by-hand") }, "never chained")
    }
}
