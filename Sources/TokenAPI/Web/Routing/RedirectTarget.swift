/// Where sign-in may send the browser afterwards: only a path on this origin. Refuses anything
/// a browser could read as another host (`//evil`, `/\evil`, `https://evil`, a scheme, a
/// backslash, control bytes, or any of these percent-encoded), and falls back to the home page.
enum RedirectTarget {
    static let home = "/-/user_settings/personal_access_tokens"

    /// `candidate` when it is a same-origin path (with its query), else nil.
    static func sameOrigin(_ candidate: String?) -> String? {
        guard let candidate, candidate.utf8.count <= 2048, candidate.hasPrefix("/") else { return nil }
        // Decoded until stable (bounded), so `%2F%2Fevil` and `%252F…` are judged as a browser
        // may end up reading them.
        var decoded = candidate
        for _ in 0..<3 {
            guard let next = PercentEncoding.decode(Substring(decoded)) else { return nil }
            if next == decoded { break }
            decoded = next
        }
        for text in [candidate, decoded] {
            let bytes = Array(text.utf8)
            guard bytes.first == UInt8(ascii: "/") else { return nil }
            if bytes.count > 1, bytes[1] == UInt8(ascii: "/") || bytes[1] == UInt8(ascii: "\\") { return nil }
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) else { return nil }
        }
        return candidate
    }

    /// The page to go to after signing in.
    static func after(_ candidate: String?) -> String { sameOrigin(candidate) ?? home }
}
