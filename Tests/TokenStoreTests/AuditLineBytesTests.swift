import Foundation
import Testing
import TokenAudit
import TokenCore

@testable import TokenRecords

/// The bytes of an audit event's journal line and chained line, pinned: the writer spells the
/// event's JSON once and splices it into both (and into the seal), and the format must not move.
/// The audit key's MAC is RFC 4231's HMAC-SHA256, and a chained line's link is read from its
/// frame only when its MAC checks.
struct AuditLineBytesTests {
    static let eventJSON =
        #"{"event":"token_created","time":"2026-12-07T08:17:08.488Z","actor":{"user_id":1,"name":"Administrator","token_id":100001},"#
        + #""ip":"127.0.0.1","request_id":"a204ed5d9a3fefa2","entity":{"type":"User","id":3},"#
        + #""target":{"type":"PersonalAccessToken","id":100501,"details":"bench \"b\""},"token":{"id":100501,"kind":"personal_access_token"}}"#
    static let event = AuditEvent(
        name: .tokenCreated, time: Timestamp(iso8601: "2026-12-07T08:17:08.488Z")!,
        actor: AuditActor(userID: UserID(1), name: "Administrator", tokenID: TokenID(100_001)), ipAddress: "127.0.0.1",
        requestID: "a204ed5d9a3fefa2", entity: AuditEntity(.user, 3),
        target: AuditTarget(type: "PersonalAccessToken", id: 100_501, details: "bench \"b\""),
        token: AuditTokenReference(id: TokenID(100_501), kind: .personal))
    let key = AuditChain.Key(bytes: Array("an audit key of thirty-two bytes".utf8))

    @Test func theKeysMACIsHMACSHA256() {
        // RFC 4231 test cases 2 (a short key) and 6 (a key longer than a block).
        #expect(AuditChain.Key(bytes: Array("Jefe".utf8)).mac(Array("what do ya want for nothing?".utf8))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(AuditChain.Key(bytes: [UInt8](repeating: 0xAA, count: 131)).mac(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        // A slice and a buffer give the array's MAC.
        let bytes = Array("0123456789".utf8)
        #expect(key.mac(bytes[2...]) == key.mac(Array(bytes[2...])))
        #expect(bytes.withUnsafeBytes { key.mac($0) } == key.mac(bytes))
    }

    @Test func theEventsJSONIsPinned() {
        #expect(String(decoding: AuditEventCoding.bytes(Self.event), as: UTF8.self) == Self.eventJSON)
    }

    @Test func theJournalLineIsPinned() {
        let seal = key.mac(Array("tokend journal audit 7 \(Self.eventJSON)".utf8))
        let expected = #"{"kind":"audit","op":"put","record":"# + Self.eventJSON + #","seal":""# + seal + #"","seq":7}"# + "\n"
        #expect(String(decoding: RecordCoding.journalLine(.audit(Self.event), seq: 7, auditKey: key), as: UTF8.self) == expected)
        let spliced = RecordCoding.auditJournalLine(eventJSON: AuditEventCoding.bytes(Self.event), seq: 7, auditKey: key)
        #expect(String(decoding: spliced, as: UTF8.self) == expected)
        let unsealed = #"{"kind":"audit","op":"put","record":"# + Self.eventJSON + #","seq":7}"# + "\n"
        #expect(String(decoding: RecordCoding.journalLine(.audit(Self.event), seq: 7), as: UTF8.self) == unsealed)
    }

    @Test func theChainedLineIsPinned() {
        let previous = AuditChain.Link(seq: 41, mac: String(repeating: "ab", count: 32), journalSeq: 6)
        let signed = #"{"seq":42,"jseq":7,"event":"# + Self.eventJSON + #","prev":""# + previous.mac + "\""
        let mac = key.mac(Array(signed.utf8))
        let (bytes, link) = AuditChain.line(Self.event, journalSeq: 7, after: previous, key: key)
        #expect(String(decoding: bytes, as: UTF8.self) == signed + #","mac":""# + mac + "\"}\n")
        #expect(link == AuditChain.Link(seq: 42, mac: mac, journalSeq: 7))
        #expect(AuditChain.line(eventJSON: AuditEventCoding.bytes(Self.event), journalSeq: 7, after: previous, key: key).bytes == bytes)
    }

    @Test func theLinkIsReadFromTheFrameOnlyWhenTheMACChecks() throws {
        let (bytes, link) = AuditChain.line(Self.event, journalSeq: 7, after: .start, key: key)
        let line = bytes.dropLast()
        #expect(AuditChain.link(ofLine: line, key: key) == link)
        let parsed = try AuditChain.parse(line)
        #expect(AuditChain.Link(seq: parsed.seq, mac: parsed.mac, journalSeq: parsed.journalSeq) == link)
        // Another key's line, an edited event, a cut or uppercase MAC: the caller parses in full.
        #expect(AuditChain.link(ofLine: line, key: AuditChain.Key(bytes: Array("another key".utf8))) == nil)
        var edited = Array(line)
        edited[edited.firstIndex(of: UInt8(ascii: "3"))!] = UInt8(ascii: "4")
        #expect(AuditChain.link(ofLine: edited[...], key: key) == nil)
        #expect(AuditChain.link(ofLine: line.dropFirst(), key: key) == nil)
        let upper = Array(String(decoding: line, as: UTF8.self).replacingOccurrences(of: link.mac, with: link.mac.uppercased()).utf8)
        #expect(AuditChain.link(ofLine: upper[...], key: key) == nil)
        #expect(AuditChain.link(ofLine: line.dropLast(3), key: key) == nil)
    }
}
