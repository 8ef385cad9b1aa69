import Foundation
import JSON
import Testing
import TokenCore
import TokenRecords

/// A token line written before one of the schema's optional fields existed still takes the fast
/// path (the field is absent, as the generic decoder has it), so an upgrade that adds a field
/// does not slow every load until a compaction; a missing required key or an unknown key still
/// sends the line to the generic parser.
struct FastDecoderMissingKeyTests {
    let token: AccessToken = {
        var token = AccessToken(
            id: TokenID(7), userID: UserID(3), name: "t", scopes: ["api", "read_user"], expiresAt: CivilDate(iso8601: "2027-01-31"),
            createdAt: Timestamp(millisecondsSinceEpoch: 1_750_000_000_000), digest: TokenDigest(hex: String(repeating: "ab", count: 32))!)
        token.updatedAt = Timestamp(millisecondsSinceEpoch: 1_760_000_000_000)
        token.lastUsedIPs = ["::1"]
        return token
    }()

    /// The token's snapshot line without the keys `keys` and their values.
    func line(without keys: String...) -> [UInt8] {
        let text = String(decoding: RecordCoding.snapshotLine(.putToken(token)).dropLast(), as: UTF8.self)
        var stripped = text
        for key in keys {
            stripped = stripped.replacingOccurrences(of: #",?"\#(key)":("[^"]*"|\[[^\]]*\]|[^,}]*)"#, with: "", options: .regularExpression)
        }
        #expect(stripped.count < text.count)
        return Array(stripped.utf8)
    }

    func generic(_ line: [UInt8]) throws -> StoreChange { try RecordCoding.decodeChange(try JSONParser.parse(line)) }

    @Test func missingOptionalKeysAreAbsent() throws {
        var older = token
        older.updatedAt = older.createdAt
        let withoutUpdate = line(without: "updated_at")
        #expect(FastRecordDecoder.snapshotToken(withoutUpdate[...]) == .putToken(older))
        #expect(try generic(withoutUpdate) == .putToken(older))

        var noIPs = token
        noIPs.lastUsedIPs = []
        let withoutIPs = line(without: "last_used_ips")
        #expect(FastRecordDecoder.snapshotToken(withoutIPs[...]) == .putToken(noIPs))
        #expect(try generic(withoutIPs) == .putToken(noIPs))

        var noExpiry = token
        noExpiry.expiresAt = nil
        #expect(FastRecordDecoder.snapshotToken(line(without: "expires_at")[...]) == .putToken(noExpiry))
    }

    @Test func severalMissingKeysInARow() throws {
        let stripped = line(without: "description", "digest", "expires_at")
        #expect(FastRecordDecoder.snapshotToken(stripped[...]) == nil)  // the digest is required
        let withoutTwo = line(without: "description", "expires_at")
        var expected = token
        expected.description = nil
        expected.expiresAt = nil
        #expect(FastRecordDecoder.snapshotToken(withoutTwo[...]) == .putToken(expected))
        #expect(try generic(withoutTwo) == .putToken(expected))
    }

    @Test func missingRequiredOrUnknownKeysFallBack() throws {
        #expect(FastRecordDecoder.snapshotToken(line(without: "user_id")[...]) == nil)
        #expect(FastRecordDecoder.snapshotToken(line(without: "created_at")[...]) == nil)
        let text = String(decoding: RecordCoding.snapshotLine(.putToken(token)).dropLast(), as: UTF8.self)
        let unknown = Array(text.replacingOccurrences(of: #","name":"#, with: #","mood":"ok","name":"#).utf8)
        #expect(FastRecordDecoder.snapshotToken(unknown[...]) == nil)
        #expect(try generic(unknown) == .putToken(token))
    }
}
