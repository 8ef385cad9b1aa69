import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The deployment files started for real: systemd units verified and socket activation run.
/// (The production nginx files: NginxSiteTests.)
@Suite(.timeLimit(.minutes(2)))
struct DeploymentTests {
    /// `systemd-analyze verify` on deploy/systemd with ExecStart pointed at the built binary.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "systemd-analyze is not installed"))
    func systemdUnitsVerify() throws {
        let directory = try LiveServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let units = LiveServer.packageRoot + "/deploy/systemd/"
        let service = try String(contentsOfFile: units + "tokend.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/bin/tokend", with: LiveServer.binaryPath)
        try service.write(toFile: directory + "/tokend.service", atomically: false, encoding: .utf8)
        try FileManager.default.copyItem(atPath: units + "tokend.socket", toPath: directory + "/tokend.socket")
        let result = try LiveServer.run(
            "/bin/sh", ["-c", "cd '\(directory)' && systemd-analyze verify ./tokend.socket ./tokend.service"])
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
}
