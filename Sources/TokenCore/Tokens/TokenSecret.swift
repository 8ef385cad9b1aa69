import Crypto

/// The instance secret under which token digests are computed, and the generator of new tokens.
///
/// Tokens are stored only as HMAC-SHA256(secret, token); a stolen store file yields no token.
public struct TokenSecret: Sendable {
    /// HMAC-SHA256 under the secret, keyed once (``KeyedSHA256``): a digest hashes only the token.
    private let keyed: KeyedSHA256
    /// The secret itself, for `derivedKey(purpose:)`.
    private let secretBytes: [UInt8]

    public init(bytes: [UInt8]) {
        keyed = KeyedSHA256(key: bytes)
        secretBytes = bytes
    }

    /// 32 fresh random bytes for a new instance.
    public static func generateBytes() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// The keyed digest of a plaintext token, as stored and looked up.
    public func digest(of token: String) -> TokenDigest {
        var token = token
        return token.withUTF8 { utf8 in keyed.code(of: UnsafeRawBufferPointer(utf8)) { TokenDigest(memory: $0)! } }
    }

    /// A key for another purpose, derived from the secret (HKDF-SHA256 with `purpose` as info),
    /// so no second key file is needed and the token digests' key is never reused as it is.
    func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: secretBytes), info: Array(purpose.utf8), outputByteCount: 32)
    }

    /// True when `token` hashes to `digest`; the comparison takes the same time wherever they differ.
    public func matches(_ token: String, digest: TokenDigest) -> Bool {
        self.digest(of: token).constantTimeEquals(digest)
    }
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
