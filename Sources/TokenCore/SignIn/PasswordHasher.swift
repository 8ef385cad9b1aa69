import HummingbirdBcrypt
import Synchronization

/// Hashes and verifies passwords: bcrypt (HummingbirdBcrypt), what GitLab stores through Devise,
/// so a GitLab `encrypted_password` (`$2a$10$…`) verifies as it is. Injected, so tests count
/// verifications and run at bcrypt's lowest cost.
public struct PasswordHasher: Sendable {
    /// A new salted hash of a password.
    public var hash: @Sendable (String) -> String
    /// True when the password matches the hash (bcrypt compares in constant time).
    public var verify: @Sendable (_ password: String, _ hash: String) -> Bool
    /// A hash of no one's password, at the same cost: what an unknown user's sign-in verifies
    /// against, so it costs what a known user's does. Made at the first sign-in, not before: a
    /// CGI process that serves one API request never pays for it.
    public var dummyHash: String { dummy.value(hash) }
    private let dummy = DummyHash()

    public init(hash: @escaping @Sendable (String) -> String, verify: @escaping @Sendable (String, String) -> Bool) {
        self.hash = hash
        self.verify = verify
    }

    /// bcrypt at `cost` (log2 rounds; GitLab's production cost is 10, its tests' 1 → bcrypt's 4).
    public static func bcrypt(cost: UInt8 = 10) -> PasswordHasher {
        PasswordHasher(hash: { Bcrypt.hash($0, cost: cost) }, verify: { password, hash in Bcrypt.verify(password, hash: hash) })
    }

    /// The production hasher: bcrypt at cost 10, as GitLab's Devise (`config.stretches`).
    public static let standard = PasswordHasher.bcrypt(cost: 10)

    /// True when `hash` is a bcrypt hash this hasher can verify (`$2a$`, `$2b$` or `$2y$`, cost,
    /// 53 characters of salt and digest): what an import may bring.
    public static func isBcryptHash(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"), bytes[3] == UInt8(ascii: "$"),
            bytes[6] == UInt8(ascii: "$"), [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2])
        else { return false }
        return bytes[4...5].allSatisfy { (48...57).contains($0) } && bytes[7...].allSatisfy(isBcryptBase64)
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "/"):
            return true
        default: return false
        }
    }
}

extension PasswordHasher {
    /// bcrypt at its lowest cost (4), computed once: for tests, where cost 10 would make every
    /// sign-in take tens of milliseconds. Never for a real instance.
    public static let fastForTests = PasswordHasher.bcrypt(cost: 4)
}

/// ``PasswordHasher/dummyHash``, made once when first asked for.
private final class DummyHash: Sendable {
    private let cached = Mutex<String?>(nil)

    func value(_ hash: (String) -> String) -> String {
        cached.withLock { cached in
            if let cached { return cached }
            let made = hash("tokend: a password no user has")
            cached = made
            return made
        }
    }
}
