import Foundation
import Testing
import TokenAudit
import TokenCore
import TokendTesting

@testable import TokenStore

/// The file store's audit log: events written in the journal append of their change, chained
/// into `audit/` under the same lock, carried from the journal after a crash, kept across
/// rotation, compaction and retention; and `audit verify` catching every kind of tampering.
struct AuditLogTests {
    let directory: String
    let now = Timestamp(iso8601: "2026-06-15T12:00:00Z")!

    init() throws {
        directory = NSTemporaryDirectory() + "tokend-audit-\(UUID().uuidString)"
        try StoreSetup.initialize(directory: directory)
    }

    func context(_ time: Timestamp? = nil) -> AuditContext {
        AuditContext(actor: AuditActor(userID: UserID(1), name: "Owner"), ipAddress: "192.0.2.7", requestID: "r1", time: time ?? now)
    }

    /// Creates tokens named `names` (and the owner first), recording their audit events.
    func addTokens(_ store: JSONFileStore, _ names: [String], at time: Timestamp? = nil) throws {
        let now = time ?? self.now
        let context = context(time)
        try store.write { state in
            if state.user(UserID(1)) == nil {
                state.put(User(id: state.allocateUserID(), username: "owner", name: "Owner", email: "o@x", createdAt: now))
            }
            for name in names {
                state.put(AccessToken(
                    id: state.allocateTokenID(), userID: UserID(1), name: name, scopes: ["api"], expiresAt: nil, createdAt: now,
                    digest: .test(name)))
            }
            AuditTrail.record(context, in: &state)
        }
    }

    var auditFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/audit")) ?? []).filter { $0.hasPrefix("audit-") }.sorted()
    }

    func lines(_ file: String? = nil) throws -> [String] {
        let name = file ?? auditFiles.last!
        return try String(contentsOfFile: directory + "/audit/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func rewrite(_ file: String, _ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/audit/" + file, atomically: false, encoding: .utf8)
    }

    @Test func eventsAreChainedAndAnIntactLogVerifies() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        try addTokens(store, ["a", "b"])
        try addTokens(store, ["c"])
        let written = try lines()
        try #require(written.count == 4)  // user created and two tokens, then one token
        #expect(written[0].hasPrefix(#"{"seq":1,"jseq":"#))
        #expect(written[0].contains(#""event":"user_created""#))
        #expect(written[3].contains(#""target":{"type":"PersonalAccessToken","id":3,"details":"c"}"#))
        #expect(written[3].contains(#""ip":"192.0.2.7","request_id":"r1""#))
        let report = try AuditVerification.verify(directory: directory)
        #expect(report.failure == nil)
        #expect(report.lines == 4)
        #expect(report.startSeq == 1 && report.lastSeq == 4)
    }

    @Test func aRolledBackTransactionLeavesNoLine() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        try addTokens(store, ["a"])
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try store.write { state in
                state.recordAudit(context().event(.userCreated, entity: AuditEntity(.user, 9), target: AuditTarget(type: "User", id: 9, details: "x")))
                throw Refused()
            }
        }
        #expect(try lines().count == 2)
        #expect(!(try String(contentsOfFile: directory + "/tokens.journal.1.jsonl", encoding: .utf8)).contains(#""id":9"#))
    }

    @Test(arguments: ["edit", "delete", "reorder", "insert", "truncate-front"])
    func tamperingIsCaughtAtTheFirstBadLine(_ kind: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        for round in 0..<4 { try addTokens(store, ["t\(round)"]) }
        let file = auditFiles.last!
        var lines = try lines()
        try #require(lines.count == 5)
        switch kind {
        case "edit": lines[2] = lines[2].replacingOccurrences(of: #""ip":"192.0.2.7""#, with: #""ip":"198.51.100.1""#)
        case "delete": lines.remove(at: 2)
        case "reorder": lines.swapAt(2, 3)
        case "insert": lines.insert(lines[1], at: 3)
        default: lines.removeFirst()
        }
        try rewrite(file, lines)
        let report = try AuditVerification.verify(directory: directory)
        let failure = try #require(report.failure)
        #expect(failure.source == file)
        #expect(failure.line == (kind == "truncate-front" ? 1 : kind == "insert" ? 4 : 3), "\(failure)")
    }

    @Test func linesRemovedFromTheEndAreCaughtAgainstTheSnapshot() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        for round in 0..<3 { try addTokens(store, ["t\(round)"]) }
        try store.compact()
        var lines = try lines()
        lines.removeLast()
        try rewrite(auditFiles.last!, lines)
        let failure = try #require(try AuditVerification.verify(directory: directory).failure)
        #expect(failure.reason.contains("removed from the end"), "\(failure)")
    }

    /// Without a compaction since, the journal still holds the events cut from the end: each
    /// is named, and a token created there with no creation line too.
    @Test func linesRemovedFromTheEndAreNamedAgainstTheJournal() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        for round in 0..<3 { try addTokens(store, ["t\(round)"]) }
        try rewrite(auditFiles.last!, Array(try lines().dropLast(2)))
        let report = try AuditVerification.verify(directory: directory)
        #expect(report.failure?.source == "journal", "\(report.failure.map(String.init(describing:)) ?? "ok")")
        #expect(report.storeFindingCount == 4, "two events, two tokens: \(report.storeFindings)")
        #expect(report.storeFindings.contains { $0.contains("the chain lacks") && $0.contains("token_created") })
        #expect(report.storeFindings.contains { $0.contains("token 3 ") && $0.contains("no token_created") })
    }

    /// A writer killed between its journal sync and its audit append: the next writer (or the
    /// next start) carries the events from the journal, in order, before its own.
    @Test func eventsOnlyInTheJournalAreCarriedByTheNextWriter() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        try addTokens(store, ["a"])
        try addTokens(store, ["b"])
        let file = auditFiles.last!
        try rewrite(file, Array(try lines().prefix(2)))  // as if the second write never reached audit/
        try addTokens(try JSONFileStore(directory: directory, loading: .onDemand), ["c"])
        let carried = try lines()
        #expect(carried.count == 4)
        #expect(carried[2].contains(#""details":"b""#) && carried[3].contains(#""details":"c""#))
        #expect(try AuditVerification.verify(directory: directory).failure == nil)
        // And at start-up, without any write.
        try rewrite(file, Array(carried.prefix(1)))
        _ = try JSONFileStore(directory: directory)
        #expect(try lines() == carried)
    }

    /// Two workers on one store. A write without audit events (a token's `last_used_at`, a
    /// web session) catches the second worker's state up with the first's journal lines, their
    /// audit events included, but has no reason to read the audit files. The next audited write
    /// must not take the first worker's events, chained long ago, for events a crash left out
    /// and chain them again (the soak of issue #28: "seq 50 follows seq 50", a line twice).
    @Test func aWriteWithoutEventsDoesNotMakeTheNextCarryAnotherWorkersEventsAgain() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try JSONFileStore(directory: directory)
        let second = try JSONFileStore(directory: directory)
        try addTokens(second, ["second's own"])  // the second worker's audit files are open
        for round in 0..<3 {
            try addTokens(first, ["first's \(round)"])
            try second.write { state in  // no audit event: like a token's last use
                var used = state.tokens(ownedBy: UserID(1)).first!
                used.lastUsedAt = now.adding(minutes: Int64(round + 1))
                state.put(used)
            }
            try addTokens(second, ["second's \(round)"])
        }
        let written = try lines()
        #expect(written.count == 8)  // the user, then seven tokens: each event once
        #expect(Set(written).count == written.count)
        // Verified as written, before anything could repair the files.
        let report = try AuditVerification.verify(directory: directory)
        #expect(report.failure == nil)
        #expect(report.lines == 8 && report.lastSeq == 8)
    }

    @Test func compactionCarriesAndSyncsBeforeDroppingTheJournal() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory, tuning: .init(compactionBytes: 2000))
        for round in 0..<20 { try addTokens(store, ["t\(round)"]) }
        #expect(try store.status().generation > 1)
        let report = try AuditVerification.verify(directory: directory)
        #expect(report.failure == nil)
        #expect(report.lines == 21)
        #expect(report.snapshotTail != nil)
        // The journal's audit lines do not reach a new snapshot.
        #expect(!(try String(contentsOfFile: directory + "/tokens.snapshot.jsonl", encoding: .utf8)).contains(#""kind":"audit""#))
    }

    @Test func rotationKeepsTheChainAndRetentionRemovesOnlyFromTheFront() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory, tuning: .init(auditFileBytes: 1500, auditRetentionDays: 10))
        for day in 0..<30 {
            try addTokens(store, ["d\(day)"], at: now.adding(milliseconds: Int64(day) * Timestamp.millisecondsPerDay))
        }
        let report = try AuditVerification.verify(directory: directory)
        #expect(report.failure == nil, "\(report.failure.map(String.init(describing:)) ?? "")")
        #expect(report.files.count >= 9 && report.files.count <= 12, "\(report.files)")
        #expect(report.startSeq > 1)
        #expect(report.startPrev != AuditChain.origin)
        #expect(report.lastSeq == 31)
        // Removing the oldest retained file by hand is caught against the anchor.
        try FileManager.default.removeItem(atPath: directory + "/audit/" + auditFiles.first!)
        let failure = try #require(try AuditVerification.verify(directory: directory).failure)
        #expect(failure.reason.contains("removed from the front"), "\(failure)")
    }

    @Test func aBackupCarriesTheKeyAndTheChain() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try JSONFileStore(directory: directory)
        try addTokens(store, ["a", "b"])
        let copy = directory + "-copy"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        _ = try StoreBackup.copy(from: directory, to: copy)
        try addTokens(try JSONFileStore(directory: copy), ["c"])
        let report = try AuditVerification.verify(directory: copy)
        #expect(report.failure == nil)
        #expect(report.lines == 4)
    }
}
