import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starting programs for the tests with posix_spawn: every descriptor but 0-2 closed, signals
/// unblocked, output to files. Never pipes: a pipe's write end leaks into any program another
/// test thread starts at the same moment, and reading it to EOF would then wait for that
/// program (nginx, a worker) to exit — minutes, or forever.
extension LiveServer {
    struct RunResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion with the test's environment plus `environment`, `stdin` as
    /// its input, and returns its exit status and output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> RunResult {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/stdin"
        let output = directory + "/stdout"
        let errors = directory + "/stderr"
        try (stdin ?? "").write(toFile: input, atomically: false, encoding: .utf8)
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let pid = try spawn(executable, arguments, environment: merged, stdin: input, stdout: output, stderr: errors, append: false)
        let status = wait(pid)
        return RunResult(
            status: status, stdout: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
    }

    /// Runs a program with stdin from /dev/null, stdout and stderr appended to `log`, and every
    /// other descriptor closed; waits for it and returns its exit status.
    static func spawnAndWait(_ path: String, _ arguments: [String], environment: [String: String], log: String) throws -> Int32 {
        wait(try spawnDetached(path, arguments, environment: environment, log: log))
    }

    /// Starts a program with stdin from /dev/null, stdout and stderr appended to `log`, and every
    /// other descriptor closed; returns its PID (the caller stops and reaps it).
    static func spawnDetached(_ path: String, _ arguments: [String], environment: [String: String], log: String) throws -> pid_t {
        try spawn(path, arguments, environment: environment, stdin: "/dev/null", stdout: log, stderr: nil, append: true)
    }

    /// Waits for a child and returns its exit status.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xFF
    }

    /// `stderr` nil: into the same file as stdout.
    private static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String], stdin: String, stdout: String, stderr: String?,
        append: Bool
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let mode = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, mode, 0o600)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, mode, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        // The test runner's threads block most signals: start the program with none blocked and
        // the usual ones at their defaults, or SIGTERM would never reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2] { sigaddset(&signals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw HarnessError("posix_spawn \(path) failed: \(rc)") }
        return pid
    }
}
