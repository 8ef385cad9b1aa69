import TokenCore

/// Percent-decoding of path segments and form fields.
enum PercentEncoding {
    /// Decodes `%XX` escapes (and `+` as space when `plusAsSpace`); nil on a malformed escape
    /// or bytes that are not UTF-8.
    static func decode(_ text: Substring, plusAsSpace: Bool = false) -> String? {
        guard ByteScan.contains(text, where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let b = iterator.next() {
            if b == UInt8(ascii: "%") {
                guard let h = iterator.next().flatMap(Hex.value(of:)), let l = iterator.next().flatMap(Hex.value(of:)) else { return nil }
                out.append(h << 4 | l)
            } else if plusAsSpace && b == UInt8(ascii: "+") {
                out.append(0x20)
            } else {
                out.append(b)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Encodes a query component the way Rails' `to_query` does.
    static func encodeQueryComponent(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(Hex.uppercaseDigits[Int(b >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(Hex.uppercaseDigits[Int(b & 0xF)]))
            }
        }
        return out
    }
}
