public import TokenAPI

/// The worker's background work besides the accept threads, as services (start them before the
/// ``FastCGIServer``, so a ``ServiceGroup`` stops them after it): the request log's batch
/// written every second, the failed authentications' every five seconds, expired web sessions
/// removed every ten minutes, and each once more
/// at shutdown, after the last request.
public enum WorkerServices {
    public static func flushers(
        for application: Application, log: LogSink, logEvery: Duration = .seconds(1), auditEvery: Duration = .seconds(5),
        sessionSweepEvery: Duration = .seconds(600)
    ) -> [any Service] {
        flushers(for: ApplicationHandle(application), log: log, logEvery: logEvery, auditEvery: auditEvery, sessionSweepEvery: sessionSweepEvery)
    }

    /// The same, for the application `handle` holds at each run (a worker's store may open late).
    public static func flushers(
        for handle: ApplicationHandle, log: LogSink, logEvery: Duration = .seconds(1), auditEvery: Duration = .seconds(5),
        sessionSweepEvery: Duration = .seconds(600)
    ) -> [any Service] {
        [
            PeriodicTask("log flush", every: logEvery) { log.flush() },
            PeriodicTask("failed-authentication flush", every: auditEvery) { handle.application.flushAudit() },
            PeriodicTask("expired-session sweep", every: sessionSweepEvery) { handle.application.removeExpiredWebSessions() },
        ]
    }
}
