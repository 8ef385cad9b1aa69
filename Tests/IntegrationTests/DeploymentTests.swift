import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The deployment files started for real: systemd units verified, socket activation run, and
/// deploy/spawn-fcgi/tokend-spawn started as root. (The production nginx files: NginxSiteTests.)
@Suite(.timeLimit(.minutes(20)))
struct DeploymentTests {
    /// `systemd-analyze verify` on deploy/systemd with ExecStart pointed at the built binary.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "systemd-analyze is not installed"))
    func systemdUnitsVerify() throws {
        let directory = try LiveServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let units = LiveServer.packageRoot + "/deploy/systemd/"
        for name in ["tokend.service", "tokend-notify.service"] {
            let service = try String(contentsOfFile: units + name, encoding: .utf8)
                .replacingOccurrences(of: "/usr/bin/tokend", with: LiveServer.binaryPath)
            try service.write(toFile: directory + "/" + name, atomically: false, encoding: .utf8)
        }
        for name in ["tokend.socket", "tokend-notify.timer"] { try FileManager.default.copyItem(atPath: units + name, toPath: directory + "/" + name) }
        let result = try LiveServer.run(
            "/bin/sh",
            ["-c", "cd '\(directory)' && systemd-analyze verify ./tokend.socket ./tokend.service ./tokend-notify.service ./tokend-notify.timer"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// The worker takes the socket systemd passes (LISTEN_FDS, fd 3) and stops on SIGTERM.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate"), "systemd-socket-activate is not installed"))
    func socketActivation() throws {
        let server = try LiveServer(workers: 0)
        defer { server.stop() }
        let token = try server.createToken()
        let socket = server.directory + "/activated.sock"
        var environment = ProcessInfo.processInfo.environment
        environment["TOKEND_DATA"] = server.data
        let activator = try LiveServer.spawnDetached(
            "/usr/bin/systemd-socket-activate", ["-l", socket, "-E", "TOKEND_DATA", server.binary, "serve"],
            environment: environment, log: server.logFile("activated.log"))
        var stopped = false
        defer { if !stopped { _ = LiveServer.terminate(activator, seconds: 1) } }
        try server.waitForSocket(socket)
        let response = try LiveServer.fastCGI(socket: socket, method: "GET", uri: "/api/v4/user", token: token)
        #expect(response.hasPrefix("Status: 200"))
        #expect(response.contains("\"username\":\"root\""))
        // systemd-socket-activate execs the worker in place: its PID is the worker's.
        #expect(LiveServer.terminate(activator, seconds: 5) == 0)
        stopped = true
    }

    /// deploy/spawn-fcgi/tokend-spawn as root, paths moved into a temporary directory and the
    /// workers run as `nobody`: it makes the data directory theirs, the workers serve, write
    /// their log lines to the log file (spawn-fcgi alone gives them /dev/null); a second `start`
    /// changes nothing (it used to empty the PID file and fail), `status` names the workers, and
    /// `stop` returns only after every worker has exited, as the README says.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/spawn-fcgi"), "needs root and spawn-fcgi"))
    func spawnFCGIScript() throws {
        let directory = try LiveServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        chmod(directory, 0o711)
        let nobody = try #require(getpwnam("nobody")).pointee
        let data = directory + "/lib/tokend"
        let socket = directory + "/run/fcgi.sock"
        let pidFile = directory + "/run/tokend.pid"
        let log = directory + "/log/tokend.log"
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in [
            "TOKEND_DATA": data, "TOKEND_SOCKET": socket, "TOKEND_PID_FILE": pidFile, "TOKEND_LOG": log,
            "TOKEND_BIN": LiveServer.binaryPath, "TOKEND_USER": "nobody", "TOKEND_SOCKET_USER": "nobody", "TOKEND_SOCKET_GROUP": "nogroup",
        ] { environment[name] = value }
        try FileManager.default.createDirectory(atPath: directory + "/lib", withIntermediateDirectories: true)
        chmod(directory + "/lib", 0o755)
        let script = LiveServer.packageRoot + "/deploy/spawn-fcgi/tokend-spawn"
        let started = try LiveServer.spawnAndWait(script, ["start"], environment: environment, log: directory + "/spawn.log")
        #expect(started == 0, "\((try? String(contentsOfFile: directory + "/spawn.log", encoding: .utf8)) ?? "")")
        let pids = try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: "\n").compactMap { pid_t($0) }
        defer { for pid in pids where ApacheServer.isAlive(pid) { kill(pid, SIGKILL) } }
        #expect(pids.count == 2)
        let binary = URL(fileURLWithPath: LiveServer.binaryPath).resolvingSymlinksInPath().path
        // Each worker is `sh -c 'exec tokend …'` until the shell has exec'd: wait for that.
        for pid in pids {
            for _ in 0..<250 where ApacheServer.executable(of: pid) != binary { usleep(20_000) }
        }
        #expect(pids.allSatisfy { ApacheServer.executable(of: $0) == binary }, "the pid file names the tokend workers")

        let token = try LiveServer.run(
            LiveServer.binaryPath, ["token", "create", "--data", data, "--user", "root", "--name", "spawn", "--scopes", "api"])
        #expect(token.status == 0, "\(token.stderr)")
        for name in ["."] + (try FileManager.default.contentsOfDirectory(atPath: data)) {
            var info = stat()
            #expect(stat(data + "/" + name, &info) == 0 && info.st_uid == nobody.pw_uid, "\(name) belongs to nobody")
        }
        let response = try LiveServer.fastCGI(
            socket: socket, method: "GET", uri: "/api/v4/user", token: token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(response.hasPrefix("Status: 200"), "\(response)")
        LiveServer.eventually { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("\"route\":\"/user\"") }
        let logged = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(logged.contains("\"route\":\"/user\""), "the workers log to \(log): \(logged)")

        // A second start while the workers run changes nothing: same PIDs, same PID file.
        let again = try LiveServer.run(script, ["start"], environment: environment)
        #expect(again.status == 0 && again.stdout.contains("already running"), "\(again.stdout)\(again.stderr)")
        #expect(try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: "\n").compactMap { pid_t($0) } == pids)
        let running = try LiveServer.run(script, ["status"], environment: environment)
        #expect(running.status == 0 && running.stdout.contains("2 of 2 workers running"), "\(running.stdout)")

        // stop waits: when it returns, no worker is left.
        let stop = try LiveServer.run(script, ["stop"], environment: environment)
        #expect(stop.status == 0, "\(stop.stdout)\(stop.stderr)")
        for pid in pids { #expect(!ApacheServer.isAlive(pid), "worker \(pid) outlived stop") }
        let stopped = try LiveServer.run(script, ["status"], environment: environment)
        #expect(stopped.status == 3 && stopped.stdout.contains("stopped"), "\(stopped.stdout)")
    }
}
