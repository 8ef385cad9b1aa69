import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private Apache 2.4 on loopback for one test: its own ServerRoot, PidFile, runtime directory,
/// logs and `Listen 127.0.0.1:<port>`, with a site fragment (a shipped file from deploy/apache,
/// its paths filled in) inside one `<VirtualHost>`, as an administrator would include it.
/// Started in the foreground (`-D FOREGROUND`) by PID; ``stop()`` ends it and every process it
/// spawned (mod_fcgid's workers), by PID.
final class ApacheServer: @unchecked Sendable {
    static let binary = "/usr/sbin/apache2"
    static let modules = "/usr/lib/apache2/modules"

    let root: String
    let port: Int
    private(set) var pid: pid_t?
    /// Every process Apache started, recorded while it ran, with its start time (so a reused
    /// PID is never signalled), for ``stop()``.
    private var descendants: [pid_t: UInt64] = [:]

    /// Why Apache cannot run here, or nil: the binary or one of `modules` is missing.
    static func unavailable(modules needed: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            return "\(binary) is not installed (scripts/deps installs apache2)"
        }
        for module in needed where !FileManager.default.fileExists(atPath: "\(modules)/mod_\(module).so") {
            return "mod_\(module) is not installed (scripts/deps installs apache2 and libapache2-mod-fcgid)"
        }
        return nil
    }

    /// The user Apache's children run as when it is started as root: www-data, else nobody.
    static var childUser: (name: String, uid: uid_t, gid: gid_t)? {
        guard getuid() == 0 else { return nil }
        for name in ["www-data", "nobody"] {
            if let entry = getpwnam(name) { return (name, entry.pointee.pw_uid, entry.pointee.pw_gid) }
        }
        return nil
    }

    /// Writes the configuration under `directory/apache` and starts Apache on a free port.
    /// `site` goes inside the virtual host; `modules` are loaded besides the basics.
    init(directory: String, site: String, modules: [String], serverConfig: String = "") throws {
        root = directory + "/apache"
        port = try LiveServer.freePort()
        try FileManager.default.createDirectory(atPath: root + "/run", withIntermediateDirectories: true)
        let basics = ["mpm_event", "authz_core", "alias", "mime", "env"]
        var lines = (basics + modules).map { "LoadModule \($0)_module \(Self.modules)/mod_\($0).so" }
        var userLines = ""
        if let user = Self.childUser {
            let group = getgrgid(user.gid).map { String(cString: $0.pointee.gr_name) } ?? "nogroup"
            userLines = "User \(user.name)\nGroup \(group)\n"
            chown(root + "/run", user.uid, user.gid)
            // The children (www-data) must traverse the test directory to reach sockets and data.
            chmod(directory, 0o711)
        }
        var moduleConfig = ""
        if modules.contains("fcgid") {
            moduleConfig = "FcgidIPCDir \(root)/run/fcgid\nFcgidProcessTableFile \(root)/run/fcgid.shm\n"
        }
        if modules.contains("cgid") { moduleConfig += "ScriptSock \(root)/run/cgisock\n" }
        lines += [
            "ServerRoot \(root)",
            "ServerName 127.0.0.1",
            "PidFile \(root)/run/apache2.pid",
            "DefaultRuntimeDir \(root)/run",
            "Listen 127.0.0.1:\(port)",
            "ErrorLog \(root)/error.log",
            "LogLevel warn",
            "LogFormat \"%h %l %u %t \\\"%m %U %H\\\" %>s %b\" tokend",
            "CustomLog \(root)/access.log tokend",
            "TypesConfig /etc/mime.types",
            "StartServers 1",
            "ServerLimit 1",
            "ThreadsPerChild 8",
            "MaxRequestWorkers 8",
            userLines,
            moduleConfig,
            serverConfig,
            "<Directory />",
            "    AllowOverride None",
            "    Require all denied",
            "</Directory>",
            "<VirtualHost 127.0.0.1:\(port)>",
            "    ServerName 127.0.0.1",
            "    Include \(root)/site.conf",
            "</VirtualHost>",
        ]
        try site.write(toFile: root + "/site.conf", atomically: false, encoding: .utf8)
        try lines.joined(separator: "\n").write(toFile: root + "/apache2.conf", atomically: false, encoding: .utf8)
        let check = try LiveServer.run(Self.binary, ["-t", "-d", root, "-f", root + "/apache2.conf"])
        guard check.status == 0 else { throw HarnessError("apache2 -t refused the configuration: \(check.stderr)") }
        pid = try LiveServer.spawnDetached(
            Self.binary, ["-D", "FOREGROUND", "-d", root, "-f", root + "/apache2.conf"],
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"], log: root + "/stderr.log")
        try waitUntilAnswering()
    }

    deinit { stop() }

    /// Waits up to 10 s for Apache to answer anything on its port.
    private func waitUntilAnswering() throws {
        for _ in 0..<200 {
            if let response = try? request("GET", "//"), response.status != 0 { return }
            if let pid, waitpid(pid, nil, WNOHANG) == pid {
                self.pid = nil
                throw HarnessError("apache2 exited at start: \(log)")
            }
            usleep(50_000)
        }
        throw HarnessError("apache2 did not answer within 10 s: \(log)")
    }

    /// Apache's error log and its stderr (mod_fcgid workers log to the error log).
    var log: String {
        ["error.log", "stderr.log"].compactMap { try? String(contentsOfFile: root + "/" + $0, encoding: .utf8) }
            .joined(separator: "\n")
    }

    /// The path tokend is served under (`/tk` for an `.htaccess` in a subdirectory), put
    /// before every request's path.
    var urlPrefix = ""

    /// Sends a request through Apache with curl; `path` as in ``LiveServer/request``, below
    /// ``urlPrefix``.
    func request(_ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:]) throws -> LiveServer.Response {
        let target = urlPrefix + (path.hasPrefix("//") ? String(path.dropFirst()) : "/api/v4" + path)
        var args = ["-s", "-i", "--path-as-is", "-X", method, "--max-time", "20"]
        if let token { args += ["-H", "PRIVATE-TOKEN: \(token)"] }
        for (name, value) in headers { args += ["-H", "\(name): \(value)"] }
        args.append("http://127.0.0.1:\(port)\(target)")
        recordDescendants()
        let result = try LiveServer.run("/usr/bin/curl", args)
        recordDescendants()
        guard result.status == 0 else { throw HarnessError("curl exited \(result.status)") }
        return LiveServer.parse(result.stdout)
    }

    /// PIDs of processes below Apache now, running `executable` (e.g. mod_fcgid's workers).
    func running(_ executable: String) -> [pid_t] {
        recordDescendants()
        guard let real = realpath(executable, nil) else { return [] }
        let resolved = String(cString: real)
        free(real)
        return descendants.keys.filter { pid in
            Self.isAlive(pid, started: descendants[pid])
                && Self.executable(of: pid) == resolved
        }.sorted()
    }

    /// The program `pid` runs (/proc/PID/exe, which FileManager cannot read).
    static func executable(of pid: pid_t) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/\(pid)/exe", &buffer, Int(PATH_MAX))
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Adds every current descendant of Apache's PID to ``descendants`` (from /proc's ppid).
    private func recordDescendants() {
        guard let pid else { return }
        var parents: [pid_t: (parent: pid_t, started: UInt64)] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = pid_t(name), let fields = Self.stat(child), fields.count > 19,
                let parent = pid_t(fields[1]), let started = UInt64(fields[19])
            else { continue }
            parents[child] = (parent, started)
        }
        var frontier: Set<pid_t> = [pid]
        var seen: Set<pid_t> = [pid]
        while !frontier.isEmpty {
            let next = parents.filter { frontier.contains($0.value.parent) && !seen.contains($0.key) }
            for (child, entry) in next where descendants[child] == nil { descendants[child] = entry.started }
            seen.formUnion(next.keys)
            frontier = Set(next.keys)
        }
    }

    /// The fields of /proc/PID/stat after the command name (state first), or nil.
    private static func stat(_ pid: pid_t) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// True while `pid` exists, is not a zombie, and (when given) started at `started`.
    static func isAlive(_ pid: pid_t, started: UInt64? = nil) -> Bool {
        guard let fields = stat(pid), fields.count > 19, fields[0] != "Z" else { return false }
        return started == nil || UInt64(fields[19]) == started
    }

    /// SIGTERM to Apache (it stops its children and mod_fcgid's workers) and waits for it; then
    /// SIGKILL for any recorded descendant still alive 2 s later. Returns the PIDs it had to kill.
    @discardableResult
    func stop() -> [pid_t] {
        guard let pid else { return [] }
        recordDescendants()
        _ = LiveServer.terminate(pid, seconds: 10)
        self.pid = nil
        var killed: [pid_t] = []
        for (child, started) in descendants.sorted(by: { $0.key < $1.key }) {
            for _ in 0..<100 where Self.isAlive(child, started: started) { usleep(20_000) }
            if Self.isAlive(child, started: started) {
                kill(child, SIGKILL)
                killed.append(child)
            }
        }
        return killed
    }
}
