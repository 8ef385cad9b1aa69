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

    /// Seals `message` for the session whose cookie carries `id` (a flash kept in its stored
    /// record): ChaCha20-Poly1305 under a key derived from the instance secret and the id. The
    /// store holds only the id's digest, so the sealed text is unreadable without the browser's
    /// cookie. Hex of the nonce, ciphertext and tag.
    public func seal(_ message: [UInt8], forSession id: String) -> String? {
        guard let box = try? ChaChaPoly.seal(message, using: flashKey(id)) else { return nil }
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in Array(box.combined) { out += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// The message ``seal(_:forSession:)`` sealed for the session `id`; nil when the text is
    /// not hex, was sealed for another session or under another secret, or was changed.
    public func open(_ sealed: String, forSession id: String) -> [UInt8]? {
        guard let bytes = Self.bytes(hex: sealed), let box = try? ChaChaPoly.SealedBox(combined: bytes),
            let message = try? ChaChaPoly.open(box, using: flashKey(id))
        else { return nil }
        return Array(message)
    }

    /// Bytes from lowercase hex; nil for anything else.
    private static func bytes(hex: String) -> [UInt8]? {
        let text = Array(hex.utf8)
        guard text.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var index = 0
        while index < text.count {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private func flashKey(_ id: String) -> SymmetricKey {
        SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(id.utf8), using: secret.derivedKey(purpose: "tokend web session flash"))))
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
