import Testing

@testable import PostgresStore

/// `tokend.write` reaches a database that already exists only with a migration:
/// ``PostgresSchema/migrate(_:)`` installs this release's function after the last migration it
/// applies, and a database with nothing to apply keeps the function it has. So a change to the
/// generated function (a record's new field, a new statement) that ships without a migration
/// would leave every upgraded database writing with the old one. This test fails on such a
/// change: add a migration (an empty one will do), then record the function's new fingerprint
/// under the new version here.
struct WriteFunctionReleaseTests {
    /// The function's fingerprint (FNV-1a, 64 bits, of its SQL) at each schema version that
    /// changed it.
    static let fingerprints: [Int: String] = [
        7: "3c74451757aee0b5",
        8: "12bd86a36ec4ab45",
        9: "d0ab19a61c554eeb",
        10: "b034d55487c87c52",
    ]

    @Test func theWriteFunctionChangesOnlyWithAMigration() {
        let version = PostgresSchema.latestVersion
        let current = Self.fingerprint(WriteFunction.sql)
        #expect(
            Self.fingerprints[version] == current,
            "tokend.write changed (now \(current)) without a migration after \(version): existing databases would keep the old one")
    }

    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
