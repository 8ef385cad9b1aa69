import Crypto

/// The random id a session's cookie carries, and what the server derives from it: the digest
/// the store keys the session by, and the session's CSRF token (never stored: recomputed from
/// the instance secret and the digest, compared in constant time).
public struct WebSessionSecret: Sendable {
    public var secret: TokenSecret

    public init(secret: TokenSecret) { self.secret = secret }

    /// Bytes of randomness in a session id: 256 bits.
    public static let idBytes = 32
    /// Characters of an id as the cookie carries it (URL-safe base64 of ``idBytes``, unpadded).
    public static let idLength = 43

    /// A new id from `random`: 43 characters of `[A-Za-z0-9_-]`.
    public static func newID(_ random: RandomSource) -> String {
        base64URL(random.bytes(idBytes))
    }

    /// True when `text` has the shape of an id (checked before any digest is computed).
    public static func isWellFormed(_ text: some StringProtocol) -> Bool {
        text.utf8.count == idLength && text.utf8.allSatisfy(isBase64URL)
    }

    /// The keyed digest the store holds for `id`.
    public func digest(of id: String) -> TokenDigest {
        secret.digest(of: "web_session:" + id)
    }

    /// The digest a pre-session id stands for: the id of the cookie the sign-in form sets for
    /// a visitor before anyone signs in, whose CSRF token is ``csrfToken(for:)`` of this digest.
    /// Derived under its own label, so it is never a session's digest; never stored.
    public func preSessionDigest(of id: String) -> TokenDigest {
        secret.digest(of: "web_presession:" + id)
    }

    /// The session's CSRF token: HMAC-SHA256 under a key derived for this purpose, over the
    /// session's digest; 43 URL-safe characters.
    public func csrfToken(for digest: TokenDigest) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(digest.hex.utf8), using: secret.derivedKey(purpose: "tokend web session csrf"))
        return Self.base64URL(Array(mac))
    }

    /// True when `presented` is the CSRF token of the session `digest`; constant time in
    /// where the two differ.
    public func checkCSRFToken(_ presented: String, for digest: TokenDigest) -> Bool {
        let expected = Array(csrfToken(for: digest).utf8)
        let given = Array(presented.utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func base64URL(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? UInt32(bytes[index + 2]) : 0
            let word = b0 << 16 | b1 << 8 | b2
            let characters = min(4, (bytes.count - index) * 4 / 3 + ((bytes.count - index) * 4 % 3 == 0 ? 0 : 1))
            for position in 0..<characters { out.append(alphabet[Int(word >> UInt32(18 - 6 * position) & 63)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default: return false
        }
    }
}
