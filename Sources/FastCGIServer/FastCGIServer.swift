#if canImport(Glibc)
import Glibc
#endif
import CFastCGI
public import Logging
import Synchronization
import HTTPTypes
public import TokenAPI

/// Serves FastCGI requests on one listening socket with N accept threads on libfcgi's
/// thread-safe API. A ``Service``: ``start()`` starts the threads, ``shutdown()`` lets in-flight
/// requests finish, wakes idle threads and joins them all. ``run()`` is both around a wait for
/// SIGTERM/SIGINT (``TerminationSignals``).
public final class FastCGIServer: Service {
    public let name = "fastcgi"
    let listenFD: Int32
    let threadCount: Int
    /// The application answering: replaced once when a worker's store opens late.
    let application: ApplicationHandle
    let logger: Logger
    /// One line per answered request; nil writes none.
    let accessLog: AccessLog?
    private let workers: Mutex<[WorkerThread]> = Mutex([])

    /// One accept thread: its pthread and whether it is waiting in accept (safe to interrupt).
    final class WorkerThread: Sendable {
        let idle = Atomic<Bool>(true)
        let finished = Atomic<Bool>(false)
        let handle = Mutex<pthread_t?>(nil)
    }

    public convenience init(listenFD: Int32, threads: Int, application: Application, logger: Logger, accessLog: AccessLog?) {
        self.init(listenFD: listenFD, threads: threads, application: ApplicationHandle(application), logger: logger, accessLog: accessLog)
    }

    public init(listenFD: Int32, threads: Int, application: ApplicationHandle, logger: Logger, accessLog: AccessLog?) {
        self.listenFD = listenFD
        self.threadCount = max(1, threads)
        self.application = application
        self.logger = logger
        self.accessLog = accessLog
    }

    /// Runs until SIGTERM or SIGINT; returns once every accept thread has stopped.
    public func run() {
        TerminationSignals.block()
        start()
        let signal = TerminationSignals.wait()
        logger.info("stopping: finishing in-flight requests", metadata: ["signal": "\(signal)"])
        shutdown()
    }

    /// Starts the accept threads. Block the termination signals first
    /// (``TerminationSignals/block()``), or one may land on a request thread.
    public func start() {
        // SIGUSR1 wakes idle accept threads at shutdown; a parent may have blocked or ignored it.
        var wake = sigset_t()
        sigemptyset(&wake)
        sigaddset(&wake, SIGUSR1)
        pthread_sigmask(SIG_UNBLOCK, &wake, nil)
        FCGX_Init()
        Self.ensureInterruptingHandler(for: SIGUSR1)
        for _ in 0..<threadCount {
            let worker = WorkerThread()
            workers.withLock { $0.append(worker) }
            let context = Unmanaged.passRetained(ThreadContext(server: self, worker: worker)).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<ThreadContext>.fromOpaque(raw!).takeRetainedValue()
                context.server.acceptLoop(context.worker)
                return nil
            }, context)
            if rc != 0 {
                logger.critical("could not start an accept thread", metadata: ["errno": "\(rc)"])
                worker.finished.store(true, ordering: .sequentiallyConsistent)
                continue
            }
            worker.handle.withLock { $0 = thread }
        }
        logger.info("serving FastCGI", metadata: ["threads": "\(threadCount)", "pid": "\(getpid())"])
    }

    /// Whether accept threads are running (started, not yet stopped).
    public var isRunning: Bool { workers.withLock { !$0.isEmpty } }

    /// libfcgi installs its SIGUSR1 handler (no SA_RESTART, so a blocked accept returns EINTR)
    /// only over a default disposition; make sure one is there whatever the parent left.
    private static func ensureInterruptingHandler(for signal: Int32) {
        var current = sigaction()
        sigaction(signal, nil, &current)
        let handler = current.__sigaction_handler.sa_handler
        let isDefault = handler == nil || unsafeBitCast(handler, to: Int.self) == 0
        let isIgnored = handler.map { unsafeBitCast($0, to: Int.self) == 1 } ?? false
        guard isDefault || isIgnored else { return }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(signal, &action, nil)
    }

    private final class ThreadContext {
        let server: FastCGIServer
        let worker: WorkerThread
        init(server: FastCGIServer, worker: WorkerThread) {
            self.server = server
            self.worker = worker
        }
    }

    /// Sets libfcgi's shutdown flag and keeps waking idle accept threads (SIGUSR1, which
    /// libfcgi installs without SA_RESTART) until all have returned, then joins them. The flag is
    /// libfcgi's, for the whole process: no FastCGI server of this process accepts afterwards.
    public func shutdown() {
        let all = workers.withLock { workers -> [WorkerThread] in
            defer { workers.removeAll() }
            return workers
        }
        guard !all.isEmpty else { return }
        FCGX_ShutdownPending()
        var rounds = 0
        while !all.allSatisfy({ $0.finished.load(ordering: .sequentiallyConsistent) }) && rounds < 3000 {
            for worker in all where worker.idle.load(ordering: .sequentiallyConsistent)
                && !worker.finished.load(ordering: .sequentiallyConsistent)
            {
                if let thread = worker.handle.withLock({ $0 }) { pthread_kill(thread, SIGUSR1) }
            }
            usleep(10_000)
            rounds += 1
        }
        for worker in all {
            if worker.finished.load(ordering: .sequentiallyConsistent), let thread = worker.handle.withLock({ $0 }) {
                pthread_join(thread, nil)
            }
        }
    }

    /// One thread's loop: accept, copy the request out of libfcgi, respond, finish.
    func acceptLoop(_ worker: WorkerThread) {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        defer {
            FCGX_Free(request, 1)
            request.deallocate()
            worker.finished.store(true, ordering: .sequentiallyConsistent)
        }
        FCGX_InitRequest(request, listenFD, 0)
        var requestIDs = RequestIDGenerator()
        while true {
            worker.idle.store(true, ordering: .sequentiallyConsistent)
            let rc = FCGX_Accept_r(request)
            worker.idle.store(false, ordering: .sequentiallyConsistent)
            if rc < 0 { break }
            handle(request, requestID: requestIDs.next())
            FCGX_Finish_r(request)
        }
    }

    private func handle(_ request: UnsafeMutablePointer<FCGX_Request>, requestID: String) {
        var parameters = CGIParameters()
        if var entry = request.pointee.envp {
            while let pointer = entry.pointee {
                parameters.add(entry: pointer)
                entry += 1
            }
        }
        let started = monotonicNanoseconds()
        let answer = parameters.answer(with: application.application, requestID: requestID) { length in readBody(request.pointee.`in`, length: length) }
        write(answer.response.cgiMessage(requestID: requestID), to: request.pointee.out)
        accessLog?.record(
            method: RequestMetrics.methodLabel(parameters[.requestMethod] ?? "-"), route: answer.telemetry.route,
            status: answer.response.status.code, microseconds: (monotonicNanoseconds() - started) / 1000,
            userID: answer.telemetry.userID, requestID: requestID)
    }

    private func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    private func readBody(_ stream: UnsafeMutablePointer<FCGX_Stream>?, length: Int) -> [UInt8] {
        guard length > 0, let stream else { return [] }
        var body = [UInt8](repeating: 0, count: length)
        let read = body.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: length) {
                FCGX_GetStr($0, Int32(length), stream)
            }
        }
        if read < length { body.removeLast(length - Int(max(0, read))) }
        return body
    }

    /// Writes the whole response (``APIResponse/cgiMessage(requestID:)``) in one call; a
    /// failed write means the client went away.
    private func write(_ message: [UInt8], to stream: UnsafeMutablePointer<FCGX_Stream>?) {
        guard let stream, !message.isEmpty else { return }
        _ = message.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: message.count) {
                FCGX_PutStr($0, Int32(message.count), stream)
            }
        }
    }
}
