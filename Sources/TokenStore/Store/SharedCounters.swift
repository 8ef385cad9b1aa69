#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A few counters every process of a store shares through `tokens.shm`, a one-page file
/// beside the journal that each process maps (0600; created once, like `tokens.lock`, and never
/// removed or replaced while workers run). All updates are atomic instructions on the mapped
/// page: no system call.
///
/// - ``changeCount``: bumped by every holder of the store lock before it lets go. A reader whose
///   last refresh saw the same count knows that nobody has touched the files since, without a
///   `stat` (shared/store.md's "generation counter inside the file", kept beside it).
/// - ``entryCount``: bumped by every holder of the store lock when it takes it. A holder killed
///   before it let go leaves this moved and the change count not, so the next holder refreshes
///   and repairs the torn tail.
/// - ``durable``: how far the journal is known to be on disk, as one ordered word
///   (``Position``: the journal epoch, then the byte offset). A writer whose lines end at or
///   before it is covered by a flush that already returned: it acknowledges without one.
/// - the undo marker (``wasUndone(epoch:)``): one more than the newest epoch whose unflushed
///   tail was cut off after a failed flush; writes appended in that epoch and not yet covered
///   are refused, never acknowledged.
/// - ``spillCount``: bumped by a CGI process after it appends to the failed-authentication
///   spill file, so that writers look for that file only when there is something in it.
///
/// When the file cannot be mapped (a read-only store without it), the counters live in this
/// process only and ``isShared`` is false: readers then fall back to `stat`.
final class SharedCounters: @unchecked Sendable {
    /// A point in the journal: its epoch (which rises at each compaction and each undo) and a
    /// byte offset in that epoch's journal, packed so that later points compare greater.
    struct Position: Comparable, Sendable {
        var epoch: UInt64
        var offset: UInt64

        init(epoch: UInt64, offset: UInt64) {
            self.epoch = epoch
            self.offset = offset
        }

        init(packed: UInt64) {
            epoch = packed >> 40
            offset = packed & (1 << 40 - 1)
        }

        /// 24 bits of epoch, 40 of offset (a terabyte of journal).
        var packed: UInt64 { epoch << 40 | min(offset, 1 << 40 - 1) }

        static func < (a: Position, b: Position) -> Bool { a.packed < b.packed }
    }

    static let size = 4096
    private static let magic: UInt64 = 0x746f_6b65_6e64_0001  // "tokend", version 1
    private enum Slot: Int {
        case magic = 0, change, durable, undone, spill, entries, generation
    }

    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let mapped: Bool
    /// True when other processes see these counters (the file is mapped read-write).
    let isShared: Bool

    /// Maps `path`, creating it (0600) when missing; with `readOnly`, maps it read-only if it
    /// exists. Never fails: without a map the counters are this process's own.
    init(path: String, readOnly: Bool) {
        var pointer: UnsafeMutableRawPointer?
        var writable = false
        if let fd = Self.open(path, readOnly: readOnly) {
            var st = stat()
            if fstat(fd, &st) == 0, Int(st.st_size) >= Self.size {
                let protection = readOnly ? PROT_READ : PROT_READ | PROT_WRITE
                let map = mmap(nil, Self.size, protection, MAP_SHARED, fd, 0)
                if let map, map != MAP_FAILED {
                    pointer = map
                    writable = !readOnly
                }
            }
            close(fd)
        }
        if let pointer {
            words = pointer.bindMemory(to: Atomic<UInt64>.self, capacity: Self.size / 8)
            mapped = true
        } else {
            let local = UnsafeMutableRawPointer.allocate(byteCount: Self.size, alignment: 64)
            local.initializeMemory(as: UInt8.self, repeating: 0, count: Self.size)
            words = local.bindMemory(to: Atomic<UInt64>.self, capacity: Self.size / 8)
            mapped = false
        }
        isShared = writable
        if writable {
            // A fresh file is all zeros; the magic marks it as ours (a stranger's file is still
            // only counters: a wrong value costs a refresh or a flush, never a lost write).
            _ = word(.magic).pointee.compareExchange(expected: 0, desired: Self.magic, ordering: .relaxed)
        }
    }

    deinit {
        if mapped { munmap(UnsafeMutableRawPointer(words), Self.size) } else { UnsafeMutableRawPointer(words).deallocate() }
    }

    private static func open(_ path: String, readOnly: Bool) -> Int32? {
        let fd = Glibc.open(path, (readOnly ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        if !readOnly {
            fchmod(fd, 0o600)
            // Root (a backup's check, a command before it switched user) leaves the file to the
            // directory's owner, so the workers can map it.
            var directory = stat()
            if geteuid() == 0, let slash = path.lastIndex(of: "/"), stat(String(path[..<slash]), &directory) == 0 {
                fchown(fd, directory.st_uid, directory.st_gid)
            }
            var st = stat()
            // Only ever grown, to one page of zeros: a concurrent opener's ftruncate changes nothing.
            if fstat(fd, &st) != 0 || (Int(st.st_size) < size && ftruncate(fd, off_t(size)) != 0) {
                close(fd)
                return nil
            }
        }
        return fd
    }

    private func word(_ slot: Slot) -> UnsafeMutablePointer<Atomic<UInt64>> { words + slot.rawValue }

    /// False for a read-only map, which must never be written.
    private var writable: Bool { isShared || !mapped }

    // MARK: Change count

    var changeCount: UInt64 { word(.change).pointee.load(ordering: .acquiring) }

    /// Bumps the change count; returns the new value. Call holding the store lock.
    @discardableResult
    func bumpChange() -> UInt64 {
        guard writable else { return changeCount }
        return word(.change).pointee.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
    }

    var entryCount: UInt64 { word(.entries).pointee.load(ordering: .acquiring) }

    /// Bumps the entry count; returns the new value. Call right after taking the store lock.
    @discardableResult
    func bumpEntries() -> UInt64 {
        guard writable else { return entryCount }
        return word(.entries).pointee.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
    }

    // MARK: Durability

    var durable: Position { Position(packed: word(.durable).pointee.load(ordering: .acquiring)) }

    /// True when the unflushed tail of `epoch` was cut off (a flush failed): a write appended
    /// in that epoch that is not yet covered was undone.
    func wasUndone(epoch: UInt64) -> Bool { word(.undone).pointee.load(ordering: .acquiring) > epoch }

    /// One more than the newest undone epoch (0: none), for readers to notice an undo.
    var undoMarker: UInt64 { word(.undone).pointee.load(ordering: .acquiring) }

    /// Records that the journal is on disk up to `position`, unless the epoch moved on since
    /// the flush began (a compaction made it durable anyway; an undo cut it off) or a later
    /// point is already recorded.
    func publishDurable(_ position: Position) {
        guard writable else { return }
        let slot = word(.durable)
        var current = slot.pointee.load(ordering: .acquiring)
        while Position(packed: current).epoch == position.epoch, current < position.packed {
            let (exchanged, seen) = slot.pointee.compareExchange(
                expected: current, desired: position.packed, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = seen
        }
    }

    /// Starts a new epoch whose journal is durable up to `offset` (after a compaction, which
    /// synced the new journal of `generation`; or after an undo, which cut the journal there).
    /// Call holding the store lock; `undone` marks the old epoch's uncovered writes as refused.
    @discardableResult
    func beginEpoch(durableTo offset: Int, generation: Int? = nil, undone: Bool = false) -> UInt64 {
        guard writable else { return durable.epoch }
        if let generation { word(.generation).pointee.store(UInt64(generation), ordering: .sequentiallyConsistent) }
        let slot = word(.durable)
        var current = slot.pointee.load(ordering: .acquiring)
        while true {
            let old = Position(packed: current).epoch
            if undone { _ = word(.undone).pointee.max(old + 1, ordering: .sequentiallyConsistent) }
            let next = Position(epoch: old + 1, offset: UInt64(offset))
            let (exchanged, seen) = slot.pointee.compareExchange(expected: current, desired: next.packed, ordering: .acquiringAndReleasing)
            if exchanged { return next.epoch }
            current = seen
        }
    }

    /// Call holding the store lock, caught up: when the durable position does not describe the
    /// live journal (another generation, or past its end: a process that does not keep these
    /// counters compacted or cut the journal, or the file is new), a new epoch starts that claims
    /// nothing durable, so the next writer flushes.
    func adopt(generation: Int, journalEnd: Int) {
        guard writable else { return }
        let known = word(.generation).pointee.load(ordering: .acquiring)
        if known != UInt64(generation) || durable.offset > UInt64(journalEnd) { beginEpoch(durableTo: 0, generation: generation) }
    }

    // MARK: Failed-authentication spill

    var spillCount: UInt64 { word(.spill).pointee.load(ordering: .acquiring) }

    func noteSpill() {
        guard writable else { return }
        _ = word(.spill).pointee.wrappingAdd(1, ordering: .releasing)
    }
}
