package import TokenCore

/// Shares one `[Scope]` among all the tokens whose scope list is spelled the same in the
/// files (`["api"]`, `["api","read_user"]`…): a million tokens hold a handful of distinct lists,
/// and an array each cost a heap object (about 48 bytes) per token. Arrays are values, so a
/// shared one is copied on the first change, as any other.
///
/// Used by one thread at a time (the loader, or a writer holding the store's lock).
package final class ScopeInterner {
    private var entries: [(spelling: [UInt8], scopes: [Scope])] = []
    /// Distinct lists kept; past this, lists are decoded as usual.
    private let capacity = 64

    package init() {}

    /// The list spelled by `bytes` (the JSON array, brackets included), if seen before.
    package func scopes(spelledAs bytes: UnsafeBufferPointer<UInt8>) -> [Scope]? {
        for entry in entries where entry.spelling.count == bytes.count {
            if entry.spelling.withUnsafeBufferPointer({ $0.elementsEqual(bytes) }) { return entry.scopes }
        }
        return nil
    }

    package func remember(_ scopes: [Scope], spelledAs bytes: UnsafeBufferPointer<UInt8>) {
        guard entries.count < capacity else { return }
        entries.append((Array(bytes), scopes))
    }
}
