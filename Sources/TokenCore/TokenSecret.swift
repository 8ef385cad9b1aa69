import Crypto

/// The instance secret under which token digests are computed, and the generator of new tokens.
///
/// Tokens are stored only as hex HMAC-SHA256(secret, token); a stolen store file yields no token.
public struct TokenSecret: Sendable {
    // SymmetricKey is immutable once made; swift-crypto 3 just does not declare it Sendable.
    nonisolated(unsafe) private let key: SymmetricKey

    public init(bytes: [UInt8]) { key = SymmetricKey(data: bytes) }

    /// 32 fresh random bytes for a new instance.
    public static func generateBytes() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// The keyed digest of a plaintext token, as stored and looked up.
    public func digest(of token: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(token.utf8), using: key)
        return hexString(mac)
    }

    /// True when `token` hashes to `digest`; the comparison takes the same time wherever they differ.
    public func matches(_ token: String, digest: String) -> Bool {
        constantTimeEquals(Array(self.digest(of: token).utf8), Array(digest.utf8))
    }
}

/// Compares two byte strings in time that depends only on their lengths.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<a.count { difference |= a[i] ^ b[i] }
    return difference == 0
}

private let hexDigits = Array("0123456789abcdef".utf8)

func hexString(_ bytes: some Sequence<UInt8>) -> String {
    var out = [UInt8]()
    out.reserveCapacity(64)
    for b in bytes {
        out.append(hexDigits[Int(b >> 4)])
        out.append(hexDigits[Int(b & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Makes new token strings: the prefix and 20+ URL-safe characters from the random source.
public struct TokenGenerator: Sendable {
    public var prefix: String
    public var random: RandomSource

    public init(prefix: String, random: RandomSource) {
        self.prefix = prefix
        self.random = random
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `prefix` + 26 characters of `[A-Za-z0-9_-]` (156 bits of entropy).
    public func next() -> String {
        let bytes = random.bytes(26)
        let body = bytes.map { Self.alphabet[Int($0 & 63)] }
        return prefix + String(decoding: body, as: UTF8.self)
    }
}
