import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster on loopback for the tests: `initdb` into a temporary directory,
/// `postgres` on its own port on 127.0.0.1 (no unix socket), stopped by PID. PostgreSQL refuses
/// to run as root, so under root both run as `nobody` (`runuser`), in a directory it owns.
///
/// ``shared`` is one cluster for the whole test process (each test makes its own database in
/// it, ``createDatabase()``), stopped at exit; a test that stops and starts PostgreSQL makes its
/// own with ``init()``.
final class PostgresCluster: @unchecked Sendable {
    let directory: String
    let port: Int
    private(set) var pid: pid_t = 0

    /// Debian's server binaries (`postgresql` package), newest version first.
    static let binDirectory: String? = {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.map { "\(base)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }()

    /// Why PostgreSQL tests cannot run here, or nil when they can.
    static let unavailable: String? = {
        guard binDirectory != nil else { return "PostgreSQL is not installed (scripts/deps test installs Debian's postgresql)" }
        if getuid() == 0 && !(FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")) {
            return "running as root without runuser and setpriv: PostgreSQL refuses to run as root"
        }
        return nil
    }()

    private static let sharedCluster = Mutex<PostgresCluster?>(nil)
    private static let databaseCounter = Atomic<Int>(0)

    /// The process's shared cluster, started on first use and stopped when the process exits.
    static func shared() throws -> PostgresCluster {
        try sharedCluster.withLock { cluster in
            if let cluster { return cluster }
            let started = try PostgresCluster()
            sharedClusterPID = started.pid
            sharedClusterDirectory = strdup(started.directory)
            atexit {
                guard sharedClusterPID > 0 else { return }
                PostgresCluster.stop(pid: sharedClusterPID)
                if let directory = sharedClusterDirectory {
                    _ = try? FileManager.default.removeItem(atPath: String(cString: directory))
                }
            }
            cluster = started
            return started
        }
    }

    /// A new, empty database in the shared cluster; its URL.
    static func createDatabase() throws -> String {
        let cluster = try shared()
        let name = "tokend_\(getpid())_\(databaseCounter.add(1, ordering: .relaxed).newValue)"
        try cluster.psql("CREATE DATABASE \(name)")
        return cluster.url(database: name)
    }

    /// Initialises and starts a cluster of its own; with `standbyOf`, a streaming standby of that
    /// cluster instead (`pg_basebackup -R`: a copy of its data that follows its WAL, read-only
    /// until promoted, ``PostgresCluster+Failover``).
    init(standbyOf primary: PostgresCluster? = nil) throws {
        guard let bin = Self.binDirectory else { throw HarnessError(Self.unavailable ?? "no PostgreSQL") }
        directory = try LiveServer.makeTemporaryDirectory()
        port = try LiveServer.freePort()
        if getuid() == 0 { chown(directory, 65534, 65534) }
        let made: LiveServer.RunResult
        if let primary {
            // Bounded: `timeout` ends it after 2 minutes.
            made = try Self.asServerUser(
                "/usr/bin/timeout",
                ["120", bin + "/pg_basebackup", "-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", directory + "/data", "-R", "-X", "stream",
                 "--checkpoint=fast", "--no-sync"])
        } else {
            made = try Self.asServerUser(
                bin + "/initdb", ["-D", directory + "/data", "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
        }
        guard made.status == 0 else { throw HarnessError("\(primary == nil ? "initdb" : "pg_basebackup") failed: \(made.stdout) \(made.stderr)") }
        try start()
    }

    deinit { stop() }

    func url(database: String = "postgres") -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

    /// Starts the server (again) and waits until it accepts connections.
    func start() throws {
        guard pid == 0, let bin = Self.binDirectory else { return }
        let arguments = [
            "-D", directory + "/data", "-p", String(port), "-k", "", "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
            "-c", "shared_buffers=64MB",
        ]
        let log = directory + "/postgres.log"
        if getuid() == 0 {
            FileManager.default.createFile(atPath: log, contents: nil)
            chown(log, 65534, 65534)
            // setpriv execs postgres itself (runuser would fork and wait): the PID is the postmaster's.
            pid = try LiveServer.spawnDetached(
                "/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", bin + "/postgres"] + arguments,
                environment: [:], log: log)
        } else {
            pid = try LiveServer.spawnDetached(bin + "/postgres", arguments, environment: ProcessInfo.processInfo.environment, log: log)
        }
        for _ in 0..<200 {
            if (try? psql("SELECT 1")) != nil { return }
            usleep(50_000)
        }
        throw HarnessError("PostgreSQL did not start within 10 s; see \(log)")
    }

    /// Stops the server by PID (fast shutdown: SIGINT), waiting for it to exit.
    func stop() {
        guard pid > 0 else { return }
        Self.stop(pid: pid)
        pid = 0
    }

    static func stop(pid: pid_t) {
        kill(pid, SIGINT)
        var status: Int32 = 0
        for _ in 0..<500 {
            if waitpid(pid, &status, WNOHANG) == pid || kill(pid, 0) != 0 { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// After the postmaster was killed and reaped elsewhere (``killHard()``): nothing left to stop.
    func forgetProcess() { pid = 0 }

    /// Removes the cluster's files (after ``stop()``).
    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs SQL with psql as the superuser; returns its output.
    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        let result = try LiveServer.run(
            "/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", database, "-tAqc", sql],
            environment: ["PGCONNECT_TIMEOUT": "2"])
        guard result.status == 0 else { throw HarnessError("psql failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func asServerUser(_ program: String, _ arguments: [String]) throws -> LiveServer.RunResult {
        if getuid() == 0 { return try LiveServer.run("/usr/sbin/runuser", ["-u", "nobody", "--", program] + arguments) }
        return try LiveServer.run(program, arguments)
    }
}

/// The shared cluster's PID and directory, for the exit handler (a C function pointer cannot
/// capture them).
nonisolated(unsafe) private var sharedClusterPID: pid_t = 0
nonisolated(unsafe) private var sharedClusterDirectory: UnsafeMutablePointer<CChar>?
