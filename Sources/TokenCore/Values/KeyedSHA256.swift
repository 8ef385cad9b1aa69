import Crypto

/// HMAC-SHA256 under one key (RFC 2104), with SHA-256 already fed `key ⊕ ipad` and `key ⊕ opad`:
/// each code copies the two states (values) and hashes only the message, through swift-crypto's
/// `update(bufferPointer:)`, so neither the keying nor the generic `DataProtocol` path runs per
/// message. Measured, those two were most of the instructions of a short message's code. Equal
/// to swift-crypto's `HMAC<SHA256>` for every key and message (TokenDigestTests, AuditLogTests).
public struct KeyedSHA256: Sendable {
    // SHA256 is a value type holding only its state; swift-crypto 3 does not declare it
    // Sendable. These two are never mutated after init (each code works on copies).
    nonisolated(unsafe) private let inner: SHA256
    nonisolated(unsafe) private let outer: SHA256

    public init(key bytes: [UInt8]) {
        let blockSize = SHA256.blockByteCount
        var key = bytes.count > blockSize ? Array(SHA256.hash(data: bytes)) : bytes
        key += [UInt8](repeating: 0, count: blockSize - key.count)
        var inner = SHA256()
        var outer = SHA256()
        inner.update(data: key.map { $0 ^ 0x36 })
        outer.update(data: key.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
    }

    /// The 32 bytes of the code of `message`, lent to `body`.
    public func code<R>(of message: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var inner = self.inner
        inner.update(bufferPointer: message)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes(body)
    }
}
