import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a failover test does to a primary and its standby (``PostgresCluster/init(standbyOf:)``):
/// make the standby synchronous, kill the primary the hard way, promote the standby. Every wait
/// is bounded; every process is stopped by its PID.
extension PostgresCluster {
    /// On the primary: commits wait until a standby has flushed them (`synchronous_standby_names
    /// = '*'`, set with ALTER SYSTEM after the base backup, so the standby does not inherit it),
    /// then waits up to 60 s until a standby streams as `sync`.
    func requireSynchronousStandby() throws {
        try psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        try psql("SELECT pg_reload_conf()")
        for _ in 0..<600 {
            if (try? psql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming'")) == "1" { return }
            usleep(100_000)
        }
        throw HarnessError("no synchronous standby within 60 s: \((try? psql("SELECT * FROM pg_stat_replication")) ?? "")")
    }

    /// kill -9 of the postmaster, as a crash would: no shutdown, no checkpoint, no goodbye to
    /// clients. Its backends notice that it died and exit; any still there after 10 s are killed
    /// by their PIDs (read from /proc before the kill).
    func killHard() {
        guard pid > 0 else { return }
        let children = Self.children(of: pid)
        kill(pid, SIGKILL)
        _ = LiveServer.wait(pid)
        forgetProcess()
        for child in children {
            for _ in 0..<500 where kill(child, 0) == 0 { usleep(20_000) }
            if kill(child, 0) == 0 { kill(child, SIGKILL) }
        }
    }

    /// `pg_ctl promote`, waiting (at most 60 s) until the standby accepts writes.
    func promote() throws {
        guard let bin = Self.binDirectory else { throw HarnessError("no PostgreSQL") }
        let result = try Self.asServerUser(bin + "/pg_ctl", ["promote", "-D", directory + "/data", "-w", "-t", "60"])
        guard result.status == 0 else { throw HarnessError("pg_ctl promote failed: \(result.stdout) \(result.stderr)") }
        guard try psql("SELECT pg_is_in_recovery()") == "f" else { throw HarnessError("the standby is still in recovery after promote") }
    }

    /// The PIDs whose parent is `parent`, from /proc.
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // pid (comm) state ppid …: the comm may hold spaces, so count from the last ')'.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent
        }
    }
}
