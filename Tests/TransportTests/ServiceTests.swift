#if canImport(Glibc)
import Glibc
#endif
import FastCGIServer
import Logging
import Synchronization
import Testing
import TokenAPI
import TokenCore

/// Background work runs as services that start and stop: a group starts them in order and stops
/// them in reverse, a periodic task writes what it holds when it stops and joins its thread, and
/// the worker's flushers, stopped, leave no failed authentication and no log line behind. In
/// process, without signals or sleeps: an hour-long period never elapses in these tests, so
/// everything they see was written by the shutdown.
struct ServiceTests {
    @Test(.timeLimit(.minutes(20))) func stoppingTheFlushersWritesTheLastBatchAndJoinsTheirThreads() throws {
        let written = Mutex<[AuditEvent]>([])
        let failures = FailedAuthenticationLog { events in written.withLock { $0 += events } }
        let application = Application(dependencies: APIDependencies(
            repository: InMemoryRepository(), secret: TokenSecret(bytes: Array(repeating: 7, count: 32)),
            clock: .constant(Timestamp(millisecondsSinceEpoch: 0)), failedAuthentications: failures))
        let pipe = try Pipe()
        let sink = LogSink(descriptor: pipe.write, batchBytes: 1 << 20)
        let services = WorkerServices.flushers(for: application, log: sink, logEvery: .seconds(3600), auditEvery: .seconds(3600))
        let group = ServiceGroup(services, logger: Logger(label: "test"))
        try group.start()
        #expect(services.allSatisfy { ($0 as? PeriodicTask)?.isRunning == true })
        failures.record(FailedAuthentication.event(
            .unknown, token: nil, ipAddress: "192.0.2.1", requestID: "r1", at: Timestamp(millisecondsSinceEpoch: 0)))
        sink.buffered(Array("last line\n".utf8))
        #expect(written.withLock { $0.isEmpty })

        group.shutdown()

        #expect(written.withLock { $0.count } == 1)
        #expect(pipe.readAvailable() == "last line\n")
        #expect(services.allSatisfy { ($0 as? PeriodicTask)?.isRunning == false })
        group.shutdown()  // a second stop does nothing
        #expect(written.withLock { $0.count } == 1)
    }

    @Test func aGroupStopsInReverseOrder() throws {
        let journal = Journal()
        let group = ServiceGroup([Recorder("a", journal), Recorder("b", journal), Recorder("c", journal)], logger: Logger(label: "test"))
        try group.start()
        group.shutdown()
        #expect(journal.lines == ["start a", "start b", "start c", "stop c", "stop b", "stop a"])
    }

    @Test func aServiceThatCannotStartStopsThoseStartedBeforeIt() {
        let journal = Journal()
        let group = ServiceGroup(
            [Recorder("a", journal), Recorder("b", journal, fails: true), Recorder("c", journal)], logger: Logger(label: "test"))
        #expect(throws: RecorderError.self) { try group.start() }
        #expect(journal.lines == ["start a", "start b", "stop a"])
    }
}

final class Journal: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}

struct RecorderError: Error {}

final class Recorder: Service {
    let name: String
    let journal: Journal
    let fails: Bool

    init(_ name: String, _ journal: Journal, fails: Bool = false) {
        self.name = name
        self.journal = journal
        self.fails = fails
    }

    func start() throws {
        journal.append("start \(name)")
        if fails { throw RecorderError() }
    }

    func shutdown() { journal.append("stop \(name)") }
}

/// A pipe whose read end never blocks.
final class Pipe: Sendable {
    let read: Int32
    let write: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw RecorderError() }
        (read, write) = (fds[0], fds[1])
        _ = fcntl(read, F_SETFL, fcntl(read, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(read)
        close(write)
    }

    func readAvailable() -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress!, 4096) }
            if n <= 0 { break }
            bytes += buffer[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
