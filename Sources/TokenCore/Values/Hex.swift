/// Hexadecimal digits: the one codec for the secret file, digests, bot usernames and
/// percent-escapes.
public enum Hex {
    /// `0123456789abcdef` as bytes.
    public static let lowercaseDigits: [UInt8] = Array("0123456789abcdef".utf8)
    /// `0123456789ABCDEF` as bytes (percent-encoding's convention).
    public static let uppercaseDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The value of one hex digit, either case; nil for any other byte.
    @inline(__always)
    public static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: return digit - 0x30
        case 0x61...0x66: return digit - 0x61 + 10
        case 0x41...0x46: return digit - 0x41 + 10
        default: return nil
        }
    }

    /// Two lowercase digits per byte. Bytes in contiguous memory (an array, a digest) are
    /// read in one loop over the buffer, not through the generic iterator a byte at a time.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) { return encoded }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(lowercaseDigits[Int(byte >> 4)])
            out.append(lowercaseDigits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Two lowercase digits per byte of `bytes`.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = lowercaseDigits[Int(byte >> 4)]
                out[2 * index + 1] = lowercaseDigits[Int(byte & 0xF)]
            }
            return bytes.count * 2
        }
    }

    /// The bytes of an even number of hex digits (either case); nil for anything else.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(of: digits[index]), let low = value(of: digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
