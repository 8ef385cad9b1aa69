import TokenCore

/// Request ids (`X-Request-Id`, the log's `request_id`): 16 hex digits from a per-thread
/// xorshift generator seeded once from the system's randomness. An id only has to be unlikely
/// to repeat, not secret, so no `getrandom(2)` per request.
struct RequestIDGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next() | 1
    }

    mutating func next() -> String {
        // xorshift64* (Vigna): a full period over the non-zero 64-bit states.
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let value = state &* 0x2545_F491_4F6C_DD1D
        return withUnsafeBytes(of: value.bigEndian) { Hex.encode($0) }
    }
}
