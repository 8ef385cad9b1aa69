#if canImport(Glibc)
import Glibc
#endif

/// The current time, injected so the domain is tested without sleeping.
public struct Clock: Sendable {
    public var now: @Sendable () -> Timestamp

    public init(now: @escaping @Sendable () -> Timestamp) { self.now = now }

    /// A clock that always answers the same instant.
    public static func constant(_ instant: Timestamp) -> Clock { Clock { instant } }
}

/// A source of cryptographically secure random bytes, injected for deterministic tests.
public struct RandomSource: Sendable {
    public var bytes: @Sendable (Int) -> [UInt8]

    public init(bytes: @escaping @Sendable (Int) -> [UInt8]) { self.bytes = bytes }

    /// The operating system's CSPRNG: one `getrandom(2)` call on Linux (through glibc's `arc4random_buf`) (a
    /// token's 26 bytes took 26 calls through `SystemRandomNumberGenerator`, one per byte).
    public static let system = RandomSource { count in
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { fillFromSystem($0) }
        return bytes
    }

    private static func fillFromSystem(_ buffer: UnsafeMutableRawBufferPointer) {
        var filled = 0
        #if canImport(Glibc)
        // glibc 2.36+ (Debian 12): getrandom(2) for the whole buffer, retried inside glibc.
        if let base = buffer.baseAddress {
            arc4random_buf(base, buffer.count)
            filled = buffer.count
        }
        #endif
        // Elsewhere: the standard library's generator, a word at a time.
        var generator = SystemRandomNumberGenerator()
        while filled < buffer.count {
            withUnsafeBytes(of: generator.next() as UInt64) { word in
                let take = min(word.count, buffer.count - filled)
                buffer.baseAddress!.advanced(by: filled).copyMemory(from: word.baseAddress!, byteCount: take)
                filled += take
            }
        }
    }

    /// A deterministic counter-based source, for tests only.
    public static func seeded(_ seed: UInt8) -> RandomSource {
        let counter = Counter(seed)
        return RandomSource { count in counter.next(count) }
    }

    private final class Counter: @unchecked Sendable {
        private var state: UInt64
        private let lock = MutexLock()
        init(_ seed: UInt8) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 }
        func next(_ count: Int) -> [UInt8] {
            lock.withLock {
                (0..<count).map { _ in
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return UInt8(truncatingIfNeeded: state >> 33)
                }
            }
        }
    }
}
