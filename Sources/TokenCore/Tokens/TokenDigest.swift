/// The keyed digest of a token (HMAC-SHA256, 32 bytes), held inline: hashing and comparing it
/// touches 32 bytes and no heap, and a million of them cost no allocation each. Stored on disk
/// and shown in logs of nothing: only as 64 lowercase hex characters in the store files.
public struct TokenDigest: Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// From the 32 bytes of a MAC.
    public init<Bytes: Sequence<UInt8>>(bytes: Bytes) {
        words = (0, 0, 0, 0)
        var index = 0
        for byte in bytes where index < 32 {
            Self.append(UInt64(byte), bits: 8, at: index / 8, to: &words)
            index += 1
        }
    }

    /// From exactly 32 bytes in memory (PostgreSQL's `bytea`), a word at a time; nil for any
    /// other length. The same as ``init(bytes:)``, without a protocol call per byte.
    public init?(memory bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        func word(_ index: Int) -> UInt64 { UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
        words = (word(0), word(1), word(2), word(3))
    }

    /// From 64 hex characters (either case); nil for anything else.
    public init?<Hex: Collection<UInt8>>(hexUTF8 hex: Hex) {
        guard hex.count == 64 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var index = 0
        for character in hex {
            guard let nibble = Self.nibble(character) else { return nil }
            Self.append(nibble, bits: 4, at: index / 16, to: &words)
            index += 1
        }
        self.words = words
    }

    /// From 64 hex characters in memory (either case); nil for anything else. The same as the
    /// generic initializer, without a protocol call per character: the store decodes a million
    /// of these at start-up.
    public init?(hexUTF8 hex: UnsafeBufferPointer<UInt8>) {
        guard hex.count == 64, let base = hex.baseAddress else { return nil }
        let parsed = Self.nibbleTable.withUnsafeBufferPointer { table -> (UInt64, UInt64, UInt64, UInt64)? in
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            var invalid: UInt8 = 0
            for word in 0..<4 {
                var value: UInt64 = 0
                for index in (word * 16)..<(word * 16 + 16) {
                    let nibble = table[Int(base[index])]
                    invalid |= nibble
                    value = value << 4 | UInt64(nibble & 0x0F)
                }
                switch word {
                case 0: words.0 = value
                case 1: words.1 = value
                case 2: words.2 = value
                default: words.3 = value
                }
            }
            return invalid & 0xF0 == 0 ? words : nil
        }
        guard let parsed else { return nil }
        words = parsed
    }

    /// A character's value as a hex digit, or 0xFF for a character that is not one.
    private static let nibbleTable: [UInt8] = (0..<256).map { UInt8(truncatingIfNeeded: nibble(UInt8($0)) ?? 0xFF) }

    /// Shifts `value` into word `word` from the right (big-endian order within the digest).
    private static func append(_ value: UInt64, bits: UInt64, at word: Int, to words: inout (UInt64, UInt64, UInt64, UInt64)) {
        switch word {
        case 0: words.0 = words.0 << bits | value
        case 1: words.1 = words.1 << bits | value
        case 2: words.2 = words.2 << bits | value
        default: words.3 = words.3 << bits | value
        }
    }

    public init?(hex: String) { self.init(hexUTF8: Array(hex.utf8)) }

    /// 64 lowercase hex characters, as the store files hold it.
    public var hex: String {
        String(unsafeUninitializedCapacity: 64) { out in
            Self.hexDigits.withUnsafeBufferPointer { digits in
                func put(_ word: UInt64, at start: Int) {
                    for nibble in 0..<16 { out[start + nibble] = digits[Int((word >> UInt64(60 - 4 * nibble)) & 0xF)] }
                }
                put(words.0, at: 0)
                put(words.1, at: 16)
                put(words.2, at: 32)
                put(words.3, at: 48)
            }
            return 64
        }
    }

    /// The first 64 bits: uniform (an HMAC output), so a hash table may use them as they are.
    var leadingWord: UInt64 { words.0 }

    /// Equality in time independent of where the digests differ.
    public func constantTimeEquals(_ other: TokenDigest) -> Bool {
        let difference = (words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2)
            | (words.3 ^ other.words.3)
        return difference == 0
    }

    public static func == (l: Self, r: Self) -> Bool { l.constantTimeEquals(r) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func nibble(_ c: UInt8) -> UInt64? {
        switch c {
        case 48...57: return UInt64(c - 48)
        case 97...102: return UInt64(c - 87)
        case 65...70: return UInt64(c - 55)
        default: return nil
        }
    }
}
