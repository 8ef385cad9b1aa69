import Crypto

/// Seals and opens webhook secret tokens (sent as `X-Gitlab-Token`), which must be recoverable
/// to be sent, so they are kept encrypted as GitLab keeps them (AES-256-GCM), under a key derived
/// from the instance secret: the store files alone reveal no hook token. Sealed form: 12-byte
/// nonce, ciphertext, 16-byte tag.
public struct WebhookTokenBox: Sendable {
    nonisolated(unsafe) private let key: SymmetricKey
    private let random: RandomSource

    public init(secret: TokenSecret, random: RandomSource) {
        key = secret.derivedKey(purpose: "tokend webhook token v1")
        self.random = random
    }

    public func seal(_ token: String) -> [UInt8] {
        // A nonce from the injected source; never repeats in practice (96 random bits).
        let nonce = try! AES.GCM.Nonce(data: random.bytes(12))
        let box = try! AES.GCM.seal(Array(token.utf8), using: key, nonce: nonce)
        return Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    /// The token, or nil when `sealed` was not made under this secret (or was altered).
    public func open(_ sealed: [UInt8]) -> String? {
        guard sealed.count >= 28, let box = try? AES.GCM.SealedBox(combined: sealed),
            let plain = try? AES.GCM.open(box, using: key)
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}
