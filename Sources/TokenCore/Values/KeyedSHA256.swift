import Crypto

/// HMAC-SHA256 under one key, keyed once: swift-crypto's `HMAC<SHA256>` is a value holding its
/// two SHA-256 states already fed the padded key, so each code starts from a copy of it and
/// hashes only the message. Keying per message was most of the instructions of a short
/// message's code (a token's digest, an audit line's seal).
public struct KeyedSHA256: Sendable {
    // HMAC<SHA256> holds only hash states (values); swift-crypto 3 does not declare it
    // Sendable. It is never mutated after init: each code works on a copy.
    nonisolated(unsafe) private let keyed: HMAC<SHA256>

    public init(key bytes: [UInt8]) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: bytes))
    }

    /// The 32 bytes of the code of `message`, lent to `body`.
    public func code<R>(of message: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var mac = keyed
        mac.update(data: message)
        return mac.finalize().withUnsafeBytes(body)
    }
}
