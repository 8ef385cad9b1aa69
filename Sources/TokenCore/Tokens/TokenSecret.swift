import Crypto

/// The instance secret under which token digests are computed, and the generator of new tokens.
///
/// Tokens are stored only as HMAC-SHA256(secret, token); a stolen store file yields no token.
public struct TokenSecret: Sendable {
    /// SHA-256 already fed `key ⊕ ipad` and `key ⊕ opad` (RFC 2104): each digest copies the two
    /// states (values) and hashes only the token. Built on swift-crypto's `SHA256` through
    /// `update(bufferPointer:)`, so no generic `DataProtocol` path runs per request; measured,
    /// keying and that path were most of a digest's instructions. Equal to swift-crypto's
    /// `HMAC<SHA256>` for every key and message (TokenDigestTests).
    // SHA256 is a value type holding only its state; swift-crypto 3 does not declare it
    // Sendable. These two are never mutated after init (digests work on copies).
    nonisolated(unsafe) private let inner: SHA256
    nonisolated(unsafe) private let outer: SHA256
    /// The secret itself, for `derivedKey(purpose:)`.
    private let secretBytes: [UInt8]

    public init(bytes: [UInt8]) {
        let blockSize = SHA256.blockByteCount
        var key = bytes.count > blockSize ? Array(SHA256.hash(data: bytes)) : bytes
        key += [UInt8](repeating: 0, count: blockSize - key.count)
        var inner = SHA256()
        var outer = SHA256()
        inner.update(data: key.map { $0 ^ 0x36 })
        outer.update(data: key.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
        self.secretBytes = bytes
    }

    /// 32 fresh random bytes for a new instance.
    public static func generateBytes() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// The keyed digest of a plaintext token, as stored and looked up.
    public func digest(of token: String) -> TokenDigest {
        var inner = self.inner
        var token = token
        token.withUTF8 { inner.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return TokenDigest(bytes: outer.finalize())
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
