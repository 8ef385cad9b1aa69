import Testing
import TokenCore

/// The system random source fills exactly the bytes asked for, fresh each time.
struct RandomSourceTests {
    @Test(arguments: [0, 1, 7, 8, 26, 255, 256, 257, 1_000])
    func systemSourceFillsTheCountAskedFor(count: Int) {
        let first = RandomSource.system.bytes(count)
        let second = RandomSource.system.bytes(count)
        #expect(first.count == count && second.count == count)
        if count >= 8 { #expect(first != second, "two draws of \(count) bytes differ") }
    }

    @Test func systemBytesAreNotStuck() {
        // 16,384 bytes hold all 256 values (a stuck or zero-filled tail would miss most of them).
        #expect(Set(RandomSource.system.bytes(16_384)).count == 256)
    }
}
