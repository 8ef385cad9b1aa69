import Testing
import TokenCore
import Crypto

/// Digests as 32 inline bytes: the same hex on disk as before, strict parsing, and equality.
struct TokenDigestTests {
    let hex = "00112233445566778899aabbccddeeff0123456789abcdef0f1e2d3c4b5a6978"

    @Test func hexRoundTripsAndIsLowercase() throws {
        let digest = try #require(TokenDigest(hex: hex))
        #expect(digest.hex == hex)
        #expect(TokenDigest(hex: hex.uppercased()) == digest)
        let bytes = stride(from: 0, to: 64, by: 2).map { i -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
        #expect(TokenDigest(bytes: bytes) == digest)
    }

    @Test func anythingButSixtyFourHexCharactersIsRefused() {
        #expect(TokenDigest(hex: String(hex.dropLast())) == nil)
        #expect(TokenDigest(hex: hex + "0") == nil)
        #expect(TokenDigest(hex: String(hex.dropLast()) + "g") == nil)
        #expect(TokenDigest(hex: "") == nil)
    }

    @Test func equalityAndHashingSeeEveryByte() throws {
        let a = try #require(TokenDigest(hex: hex))
        for position in [0, 17, 40, 63] {
            var changed = Array(hex.utf8)
            changed[position] = changed[position] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            let b = try #require(TokenDigest(hexUTF8: changed))
            #expect(a != b)
            #expect(!a.constantTimeEquals(b))
            #expect(Set([a, b]).count == 2)
        }
    }

    @Test func theSecretDigestIsHMACSHA256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let secret = TokenSecret(bytes: Array("Jefe".utf8))
        #expect(secret.digest(of: "what do ya want for nothing?").hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// The buffer initializer (the store's load path) agrees with the generic one.
    @Test(arguments: [
        String(repeating: "0123456789abcdef", count: 4), String(repeating: "ABCDEF0123456789", count: 4),
        String(repeating: "ab", count: 31) + "g0", String(repeating: "ab", count: 31) + "a", "", "zz",
        String(repeating: "ab", count: 31) + "a/", String(repeating: "ab", count: 31) + "a:",
    ])
    func fromABufferAsFromAnyCollection(hex: String) {
        let bytes = Array(hex.utf8)
        let fromBuffer = bytes.withUnsafeBufferPointer { TokenDigest(hexUTF8: $0) }
        #expect(fromBuffer == TokenDigest(hexUTF8: bytes[...]))
        #expect(fromBuffer?.hex == (fromBuffer == nil ? nil : hex.lowercased()))
    }
}

/// The secret's digest is HMAC-SHA256 exactly as swift-crypto computes it, for keys shorter and
/// longer than a block and messages of every length around the block boundaries, plus RFC 4231
/// test case 2 — so every stored digest keeps matching.
struct TokenSecretTests {
    @Test(arguments: [1, 32, 64, 65, 131])
    func digestsAreSwiftCryptosHMAC(keyLength: Int) {
        let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let secret = TokenSecret(bytes: key)
        for length in [0, 1, 26, 55, 56, 63, 64, 65, 119, 120, 200] {
            let message = String(repeating: "a", count: length / 2) + String(repeating: "é", count: (length + 1) / 4)
            let expected = TokenDigest(bytes: HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
            #expect(secret.digest(of: message) == expected, "key \(keyLength), message \(length)")
        }
    }

    @Test func rfc4231TestCase2() {
        let secret = TokenSecret(bytes: Array("Jefe".utf8))
        #expect(secret.digest(of: "what do ya want for nothing?").hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
