import Foundation
import JSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `make deb`'s package (`TOKEND_DEB`, built by `make test` from the release bundle), installed
/// on this machine with apt as an operator would: the files of its list, the tokend user and an
/// initialised /var/lib/tokend, a worker that serves through nginx, an upgrade over itself that
/// keeps the data, and a purge that leaves nothing behind.
@Suite(.serialized, .timeLimit(.minutes(20)))
struct DebianPackageTests {
    /// `TOKEND_DEB`, as an absolute path (apt-get takes a relative one for a package name).
    static var package: String? {
        guard let path = ProcessInfo.processInfo.environment["TOKEND_DEB"], !path.isEmpty else { return nil }
        return path.hasPrefix("/") ? path : LiveServer.packageRoot + "/" + path
    }

    static var unavailable: String? {
        guard getuid() == 0 else { return "needs root (it installs the package)" }
        guard let package else { return "TOKEND_DEB is not set (make test builds the package with scripts/deb)" }
        guard FileManager.default.fileExists(atPath: package) else { return "no package at TOKEND_DEB" }
        if FileManager.default.fileExists(atPath: "/usr/bin/tokend") || getpwnam("tokend") != nil {
            return "a tokend is already installed here; the test would replace it"
        }
        return nil
    }

    static func run(_ program: String, _ arguments: [String]) throws -> LiveServer.RunResult {
        try LiveServer.run(program, arguments, environment: ["DEBIAN_FRONTEND": "noninteractive"])
    }

    @Test(.enabled(if: unavailable == nil, "\(unavailable ?? "")"))
    func installServeUpgradeAndPurge() throws {
        let package = try #require(Self.package)
        let listing = try Self.run("/usr/bin/dpkg-deb", ["-c", package])
        #expect(listing.status == 0)
        // Every file the package holds, as installed paths (`./usr/bin/tokend` → `/usr/bin/tokend`).
        let files = listing.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("-") else { return nil }
            return line.split(separator: " ").last.map { String($0.dropFirst()) }
        }
        for expected in [
            "/usr/bin/tokend", "/lib/systemd/system/tokend.socket", "/lib/systemd/system/tokend.service",
            "/lib/systemd/system/tokend-notify.timer", "/etc/tokend/tokend.conf", "/etc/nginx/sites-available/tokend.conf",
            "/etc/apache2/conf-available/tokend-proxy-fcgi.conf", "/usr/share/man/man1/tokend.1.gz",
            "/usr/share/man/man1/tokend.token.create.1.gz", "/usr/share/bash-completion/completions/tokend",
            "/usr/share/doc/tokend/copyright",
        ] {
            #expect(files.contains(expected), "the package holds \(expected)")
        }
        let fields = try Self.run("/usr/bin/dpkg-deb", ["-f", package, "Depends"]).stdout
        #expect(fields.contains("libfcgi0ldbl") && fields.contains("libpq5") && !fields.contains("libkrb5"), "Depends from ldd: \(fields)")

        let installed = try Self.run("/usr/bin/apt-get", ["install", "-y", "--no-install-recommends", package])
        var purged = false
        defer { if !purged { _ = try? Self.run("/usr/bin/dpkg", ["--purge", "tokend"]) } }
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        for file in files { #expect(FileManager.default.fileExists(atPath: file), "installed: \(file)") }
        let user = try #require(getpwnam("tokend"), "postinst made the tokend user").pointee
        var info = stat()
        #expect(stat("/var/lib/tokend", &info) == 0 && info.st_uid == user.pw_uid && info.st_mode & 0o777 == 0o700)
        #expect(FileManager.default.fileExists(atPath: "/var/lib/tokend/secret.key"), "postinst initialised the store")
        #expect(!FileManager.default.fileExists(atPath: "/etc/nginx/sites-enabled/tokend.conf"), "the snippets are not enabled")
        #expect(try Self.run("/usr/bin/tokend", ["--version"]).stdout.contains("(commit "))

        // A worker of the package, as its user, behind nginx.
        func serve(_ check: (LiveServer, String) throws -> Void) throws {
            let server = try LiveServer(workers: 0, initialize: false)
            defer { server.stop() }
            chmod(server.directory, 0o777)
            let log = server.logFile("package-worker.log")
            let worker = try LiveServer.spawnDetached(
                "/usr/sbin/runuser", ["-u", "tokend", "--", "/usr/bin/tokend", "serve", "--data", "/var/lib/tokend", "--socket", server.socket],
                environment: ["PATH": "/usr/bin:/bin"], log: log)
            defer { _ = LiveServer.terminate(worker, seconds: 10) }
            try server.waitUntilServing(workerExpected: true)
            let token = try Self.run(
                "/usr/sbin/runuser",
                ["-u", "tokend", "--", "/usr/bin/tokend", "token", "create", "--data", "/var/lib/tokend", "--user", "root", "--name", "deb", "--scopes", "api"])
            #expect(token.status == 0, "\(token.stderr)")
            try check(server, token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var first = ""
        try serve { server, token throws in
            first = token
            let user = try server.request("GET", "/user", token: token)
            #expect(user.status == 200 && user.json?["username"]?.stringValue == "root", "\(user.body)\n\(server.workerLogs)")
        }

        // An upgrade over itself keeps the store: the first token still works.
        let again = try Self.run("/usr/bin/dpkg", ["-i", package])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        try serve { server, _ throws in
            #expect(try server.request("GET", "/user", token: first).status == 200, "the data survived the upgrade")
        }

        // Purge says what it removes, and removes everything.
        let purge = try Self.run("/usr/bin/dpkg", ["--purge", "tokend"])
        purged = true
        #expect(purge.status == 0, "\(purge.stderr)")
        #expect(purge.stdout.contains("purging /var/lib/tokend"), "\(purge.stdout)")
        for path in files + ["/var/lib/tokend", "/var/log/tokend", "/etc/tokend"] {
            #expect(!FileManager.default.fileExists(atPath: path), "left behind: \(path)")
        }
        #expect(getpwnam("tokend") == nil, "the tokend user is gone")
        #expect(try Self.run("/usr/bin/dpkg-query", ["-W", "tokend"]).status != 0)
    }
}
