#if canImport(Glibc)
import Glibc
#endif
import JSON
import TokenCore
import TokenRecords

/// Decodes a range of snapshot lines on a second thread while the loading thread decodes and
/// applies the lines before them; the loader then applies these in order. The bytes must stay
/// valid until ``changes()`` returns: the loader calls it before its buffer goes away, on
/// every path.
final class BackgroundDecode: @unchecked Sendable {
    /// Where a line failed to decode, for the loader's error message.
    struct Failure: Error {
        var offset: Int
        var reason: String
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let range: Range<Int>
    private var outcome: Result<[StoreChange], Failure> = .success([])
    private var thread = pthread_t()
    private var joined = false

    /// Starts decoding the complete lines in `range` (which starts at a line start).
    init?(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        self.bytes = bytes
        self.range = range
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(&thread, nil, { context in
            let decode = Unmanaged<BackgroundDecode>.fromOpaque(context!).takeRetainedValue()
            decode.outcome = decode.run()
            return nil
        }, context)
        if started != 0 {
            Unmanaged<BackgroundDecode>.fromOpaque(context).release()
            return nil
        }
    }

    /// Waits for the thread; the decoded changes, in file order.
    func changes() -> Result<[StoreChange], Failure> {
        join()
        return outcome
    }

    private func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    private func run() -> Result<[StoreChange], Failure> {
        var changes: [StoreChange] = []
        changes.reserveCapacity(range.count / 340)
        let interner = ScopeInterner()
        var start = range.lowerBound
        while start < range.upperBound {
            guard let newline = LineSearch.newline(in: bytes, from: start), newline < range.upperBound else {
                return .failure(Failure(offset: start, reason: "the last record is incomplete"))
            }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<newline])
            if let fast = FastRecordDecoder.snapshotToken(line, interner: interner) {
                changes.append(fast)
            } else {
                do {
                    changes.append(try RecordCoding.decodeChange(try JSONParser.parse(line)))
                } catch {
                    return .failure(Failure(offset: start, reason: "\(error)"))
                }
            }
            start = newline + 1
        }
        return .success(changes)
    }
}
