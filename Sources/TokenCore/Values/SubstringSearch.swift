/// Case-insensitive substring search in time linear in the text and the pattern
/// (Knuth–Morris–Pratt over the UTF-8 bytes of lowercased strings). Names and search terms
/// come from clients, so a naive search, O(text × pattern), would let one request buy seconds.
public struct SubstringSearch: Sendable {
    private let pattern: [UInt8]
    /// For each prefix of the pattern, the length of its longest proper border.
    private let borders: [Int]

    public init(_ needle: some StringProtocol) {
        pattern = Array(needle.lowercased().utf8)
        var borders = [Int](repeating: 0, count: pattern.count)
        var length = 0
        var index = 1
        while index < pattern.count {
            if pattern[index] == pattern[length] {
                length += 1
                borders[index] = length
                index += 1
            } else if length > 0 {
                length = borders[length - 1]
            } else {
                index += 1
            }
        }
        self.borders = borders
    }

    /// True when the lowercased `text` contains the pattern (an empty pattern is everywhere).
    public func occurs(in text: some StringProtocol) -> Bool {
        guard !pattern.isEmpty else { return true }
        var matched = 0
        for byte in text.lowercased().utf8 {
            while matched > 0 && byte != pattern[matched] { matched = borders[matched - 1] }
            if byte == pattern[matched] { matched += 1 }
            if matched == pattern.count { return true }
        }
        return false
    }
}
