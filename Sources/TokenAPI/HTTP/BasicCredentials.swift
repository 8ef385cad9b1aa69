/// `Authorization: Basic base64(user:password)` (RFC 7617), as git and docker clients send a
/// token: any user name, the token as the password. Only the forward-auth gate reads it; the
/// API, like GitLab's token endpoints, does not.
struct BasicCredentials: Equatable {
    var user: String
    var password: String

    /// Longest `Authorization` value decoded: past it the header is not a credential (nginx's
    /// own header buffers are 8 KB by default).
    static let maximumLength = 8192

    init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Whether an `Authorization` value uses the Basic scheme, however malformed the rest.
    static func isBasic(_ authorization: String) -> Bool {
        scheme(of: authorization) == "basic"
    }

    /// The credentials of a Basic `Authorization` value, or nil when it is another scheme, too
    /// long, not strict base64, not UTF-8, or has no `:`.
    init?(authorization: String) {
        guard authorization.utf8.count <= Self.maximumLength, Self.isBasic(authorization) else { return nil }
        let encoded = authorization.utf8.drop(while: { $0 != UInt8(ascii: " ") }).drop(while: { $0 == UInt8(ascii: " ") })
        guard let bytes = Base64.decode(encoded), let text = String(validating: bytes, as: UTF8.self),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        user = String(text[..<colon])
        password = String(text[text.index(after: colon)...])
    }

    private static func scheme(of authorization: String) -> String {
        String(authorization.prefix { $0 != " " }).lowercased()
    }
}

/// Strict standard base64 (RFC 4648 §4): padding optional, no whitespace, nothing outside the
/// alphabet. Linear in the input.
enum Base64 {
    static func decode(_ input: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in input {
            if byte == UInt8(ascii: "=") {
                padding += 1
                guard padding <= 2 else { return nil }
                continue
            }
            guard padding == 0, let value = sextet(byte) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be the zero fill of a final partial group (2 or 4 bits), never 6.
        guard bits != 6, accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return output
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
