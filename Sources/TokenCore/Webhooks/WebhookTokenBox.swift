import Crypto

/// Seals and opens webhook secret tokens (sent as `X-Gitlab-Token`), which must be recoverable
/// to be sent, so they are kept encrypted as GitLab keeps them (AES-256-GCM), under a key derived
/// from the instance secret: the store files alone reveal no hook token.
///
/// Two forms, told apart by a version prefix:
/// - version 2 (every new seal): `"tkh2"`, 12-byte nonce, ciphertext, 16-byte tag, sealed with
///   the hook's id as associated data, so a sealed token copied into another hook's record does
///   not open there (it would otherwise be sent to that hook's URL).
/// - version 1 (stores written before): 12-byte nonce, ciphertext, 16-byte tag, no associated
///   data, under its own key. Still opened, so existing hooks keep working; ``isCurrent(_:)``
///   tells the writers (the hooks API, `tokend notify`) to seal it again in version 2.
public struct WebhookTokenBox: Sendable {
    nonisolated(unsafe) private let key: SymmetricKey
    nonisolated(unsafe) private let legacyKey: SymmetricKey
    private let random: RandomSource

    /// The version 2 prefix.
    static let prefix: [UInt8] = Array("tkh2".utf8)

    public init(secret: TokenSecret, random: RandomSource) {
        key = secret.derivedKey(purpose: "tokend webhook token v2")
        legacyKey = secret.derivedKey(purpose: "tokend webhook token v1")
        self.random = random
    }

    /// `token` sealed for the hook `hook` (version 2).
    public func seal(_ token: String, hook: HookID) -> [UInt8] {
        // A nonce from the injected source; never repeats in practice (96 random bits).
        let nonce = try! AES.GCM.Nonce(data: random.bytes(12))
        let box = try! AES.GCM.seal(Array(token.utf8), using: key, nonce: nonce, authenticating: Self.associatedData(hook))
        return Self.prefix + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    /// The token, or nil when `sealed` was not made under this secret for the hook `hook`, or
    /// was altered. A version 1 seal (no hook bound) opens for any hook until it is sealed again.
    public func open(_ sealed: [UInt8], hook: HookID) -> String? {
        if isCurrent(sealed), let plain = Self.open(Array(sealed.dropFirst(Self.prefix.count)), key, Self.associatedData(hook)) {
            return String(decoding: plain, as: UTF8.self)
        }
        // A version 1 nonce may begin with the prefix by chance (1 in 2^32): try it as such.
        return Self.open(sealed, legacyKey, []).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether `sealed` is in the current form (version 2, bound to a hook).
    public func isCurrent(_ sealed: [UInt8]) -> Bool { sealed.starts(with: Self.prefix) }

    /// `sealed` in the current form for `hook`: itself when it already is, sealed again when it
    /// is a version 1 seal that opens, nil when it does not open (the caller keeps what it has).
    public func resealed(_ sealed: [UInt8], hook: HookID) -> [UInt8]? {
        if isCurrent(sealed), Self.open(Array(sealed.dropFirst(Self.prefix.count)), key, Self.associatedData(hook)) != nil { return sealed }
        guard let token = open(sealed, hook: hook) else { return nil }
        return seal(token, hook: hook)
    }

    static func associatedData(_ hook: HookID) -> [UInt8] { Array("tokend webhook \(hook.rawValue)".utf8) }

    static func open(_ combined: [UInt8], _ key: SymmetricKey, _ associated: [UInt8]) -> [UInt8]? {
        guard combined.count >= 28, let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(box, using: key, authenticating: associated)
        else { return nil }
        return Array(plain)
    }
}
