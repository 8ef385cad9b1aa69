import Foundation
import Synchronization
import Testing
import TokenCore

@testable import TokenStore

#if canImport(Glibc)
import Glibc
#endif

/// ``GroupCommit`` and ``SharedCounters`` in process: a writer returns only after a flush that
/// began once its lines were written; a failed flush acknowledges none of its waiters; a new
/// epoch covers the old one's writes unless an undo began it.
struct GroupCommitTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "tokend-groupcommit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func journal() throws -> JournalFile {
        let path = directory + "/journal"
        return JournalFile(fd: try FileIO.open(path, O_RDWR | O_APPEND | O_CREAT, mode: 0o600), path: path)
    }

    @Test func everyWriterReturnsAfterAFlushThatCoversIt() throws {
        let counters = SharedCounters(path: directory + "/tokens.shm", readOnly: false)
        #expect(counters.isShared)
        let commit = GroupCommit(counters: counters)
        let file = try journal()
        let appendLock = Mutex(0)
        // The journal size each completed flush saw when it began.
        let flushed = Mutex([Int]())
        let violations = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            for i in 0..<25 {
                let ticket = appendLock.withLock { end -> GroupCommit.Ticket in
                    let line = Array("{\"writer\":\(writer),\"i\":\(i)}\n".utf8)
                    _ = line.withUnsafeBytes { write(file.fd, $0.baseAddress, $0.count) }
                    end += line.count
                    let ticket = GroupCommit.Ticket(position: .init(epoch: counters.durable.epoch, offset: UInt64(end)), journal: file)
                    commit.appended(ticket)
                    return ticket
                }
                do {
                    try commit.waitUntilDurable(ticket) { target throws(StoreError) in
                        let size = try FileIO.fileSize(target.journal.fd, path: target.journal.path)
                        try FileIO.fdatasync(target.journal.fd, path: target.journal.path)
                        flushed.withLock { $0.append(size) }
                    }
                } catch {
                    violations.withLock { $0 += 1 }
                }
                let covered = flushed.withLock { sizes in sizes.contains { $0 >= Int(ticket.position.offset) } }
                if !covered { violations.withLock { $0 += 1 } }
            }
        }
        #expect(violations.withLock { $0 } == 0)
        #expect(counters.durable.offset == UInt64(appendLock.withLock { $0 }))
        // Shared: never more flushes than writes.
        #expect(flushed.withLock { $0.count } <= 200)
    }

    @Test func aFailedFlushAcknowledgesNoWaiterAndNoLaterWriter() throws {
        let counters = SharedCounters(path: directory + "/tokens.shm", readOnly: false)
        let commit = GroupCommit(counters: counters)
        let file = try journal()
        let ticket = GroupCommit.Ticket(position: .init(epoch: 0, offset: 10), journal: file)
        commit.appended(ticket)
        #expect(throws: RepositoryError.self) {
            try commit.waitUntilDurable(ticket) { _ throws(StoreError) in throw StoreError(operation: "fdatasync", path: file.path, errno: EIO) }
        }
        let later = GroupCommit.Ticket(position: .init(epoch: 0, offset: 20), journal: file)
        commit.appended(later)
        var flushes = 0
        #expect(throws: RepositoryError.self) {
            try commit.waitUntilDurable(later) { _ throws(StoreError) in flushes += 1 }
        }
        #expect(flushes == 0)
    }

    @Test func aNewEpochCoversEarlierWritesUnlessItIsAnUndo() throws {
        let counters = SharedCounters(path: directory + "/tokens.shm", readOnly: false)
        let commit = GroupCommit(counters: counters)
        let file = try journal()
        let first = GroupCommit.Ticket(position: .init(epoch: counters.durable.epoch, offset: 100), journal: file)
        #expect(commit.coverage(of: first) == .pending)
        counters.beginEpoch(durableTo: 0)  // a compaction synced it into the next generation
        #expect(commit.coverage(of: first) == .covered)
        let second = GroupCommit.Ticket(position: .init(epoch: counters.durable.epoch, offset: 50), journal: file)
        counters.publishDurable(.init(epoch: second.position.epoch, offset: 40))
        #expect(commit.coverage(of: second) == .pending)
        counters.beginEpoch(durableTo: 40, undone: true)  // a failed flush cut it off
        #expect(commit.coverage(of: second) == .undone)
        // A second process's view of the same file agrees.
        let other = SharedCounters(path: directory + "/tokens.shm", readOnly: false)
        #expect(other.durable == counters.durable)
        #expect(other.wasUndone(epoch: second.position.epoch))
    }

    @Test func theChangeCountIsSharedThroughTheFile() throws {
        let a = SharedCounters(path: directory + "/tokens.shm", readOnly: false)
        let b = SharedCounters(path: directory + "/tokens.shm", readOnly: true)
        let start = b.changeCount
        a.bumpChange()
        #expect(b.changeCount == start + 1)
        var st = stat()
        #expect(stat(directory + "/tokens.shm", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
    }
}
