#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM, SIGINT and SIGHUP, received by one `sigwait` rather than by whichever thread the
/// kernel picks: ``block()`` before any thread starts (threads inherit the mask), ``wait()``
/// on the main thread.
public enum TerminationSignals {
    static var set: sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGHUP)
        return signals
    }

    /// Blocks them on the calling thread and every thread it starts afterwards.
    public static func block() {
        var signals = set
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Waits for SIGTERM or SIGINT (SIGHUP is ignored); returns the signal.
    @discardableResult
    public static func wait() -> Int32 {
        var signals = set
        var signal: Int32 = 0
        repeat {
            sigwait(&signals, &signal)
        } while signal == SIGHUP
        return signal
    }
}
