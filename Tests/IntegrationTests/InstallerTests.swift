import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// scripts/install.sh staged under DESTDIR, as packaging does, from a directory laid out like
/// the release bundle (bin/tokend, deploy/, install.sh) but made from this checkout, so it runs
/// without the minutes-long release build: install, upgrade, `--uninstall` (keeps the data),
/// `--uninstall --purge` (removes it).
@Suite(.timeLimit(.minutes(20)))
struct InstallerTests {
    /// A bundle-shaped directory: the debug binary, deploy/ and install.sh.
    static func makeBundle() throws -> String {
        let bundle = try LiveServer.makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: bundle + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: LiveServer.binaryPath, toPath: bundle + "/bin/tokend")
        try FileManager.default.copyItem(atPath: LiveServer.packageRoot + "/deploy", toPath: bundle + "/deploy")
        try FileManager.default.copyItem(atPath: LiveServer.packageRoot + "/scripts/install.sh", toPath: bundle + "/install.sh")
        return bundle
    }

    static func install(_ bundle: String, stage: String, _ arguments: [String] = []) throws -> LiveServer.RunResult {
        try LiveServer.run(bundle + "/install.sh", arguments, environment: ["DESTDIR": stage])
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func uninstallKeepsTheDataUnlessPurged() throws {
        let bundle = try Self.makeBundle()
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        let stage = bundle + "/stage"
        let installed = [
            stage + "/usr/bin/tokend", stage + "/etc/systemd/system/tokend.socket", stage + "/etc/systemd/system/tokend.service",
            stage + "/etc/systemd/system/tokend-notify.service", stage + "/etc/systemd/system/tokend-notify.timer",
        ]

        for round in 1...2 {  // the second run is an upgrade
            let result = try Self.install(bundle, stage: stage)
            #expect(result.status == 0, "round \(round): \(result.stderr)")
            #expect(installed.allSatisfy(Self.exists), "round \(round)")
        }
        let marker = stage + "/var/lib/tokend/tokens.snapshot.jsonl"
        try "data\n".write(toFile: marker, atomically: false, encoding: .utf8)

        let uninstalled = try Self.install(bundle, stage: stage, ["--uninstall"])
        #expect(uninstalled.status == 0, "\(uninstalled.stderr)")
        #expect(!installed.contains(where: Self.exists), "binary and units are gone")
        #expect(Self.exists(marker), "the data stays")
        #expect(uninstalled.stdout.contains("Kept: the data in /var/lib/tokend"))
        var info = stat()
        #expect(stat(stage + "/var/lib/tokend", &info) == 0 && info.st_mode & 0o777 == 0o700)
        // Uninstalling twice is harmless.
        #expect(try Self.install(bundle, stage: stage, ["--uninstall"]).status == 0)

        #expect(try Self.install(bundle, stage: stage).status == 0)
        #expect(Self.exists(marker), "reinstalling keeps the data")
        // What the README's steps leave besides: a restore's set-aside copy, mod_fcgid's data,
        // logs, the runtime directory, web server snippets and the Include line, a backup.
        let created = [
            "/var/lib/tokend.replaced/tokens.snapshot.jsonl", "/var/lib/tokend.replaced-20261207T031500Z/secret.key",
            "/var/lib/tokend-fcgid/secret.key", "/var/log/tokend/tokend.log",
            "/run/tokend/tokend.pid", "/etc/nginx/conf.d/tokend.conf", "/etc/apache2/conf-available/tokend-fcgid.conf",
        ].map { stage + $0 }
        let backup = stage + "/var/backups/tokend-2026-01-01-1200"
        for file in created + [backup + "/secret.key"] {
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "x\n".write(toFile: file, atomically: false, encoding: .utf8)
        }
        chmod(backup, 0o755)
        let nobody = try #require(getpwnam("nobody")).pointee
        if getuid() == 0 { chown(backup, nobody.pw_uid, nobody.pw_gid) }
        let site = stage + "/etc/apache2/sites-available/000-default.conf"
        try FileManager.default.createDirectory(atPath: stage + "/etc/apache2/sites-available", withIntermediateDirectories: true)
        try "<VirtualHost *:80>\n\tInclude conf-available/tokend-fcgid.conf\n</VirtualHost>\n".write(
            toFile: site, atomically: false, encoding: .utf8)

        let purged = try Self.install(bundle, stage: stage, ["--uninstall", "--purge"])
        #expect(purged.status == 0, "\(purged.stderr)")
        #expect(!installed.contains(where: Self.exists))
        #expect(!Self.exists(stage + "/var/lib/tokend"), "purged")
        for file in created { #expect(!Self.exists(file), "purged: \(file)") }
        #expect(try String(contentsOfFile: site, encoding: .utf8) == "<VirtualHost *:80>\n</VirtualHost>\n")
        #expect(Self.exists(backup + "/secret.key"), "backups are kept")
        #expect(purged.stdout.contains("Kept, now owned by root and private") && purged.stdout.contains("/var/backups/tokend-2026-01-01-1200"))
        var backupInfo = stat()
        #expect(stat(backup, &backupInfo) == 0 && backupInfo.st_mode & 0o077 == 0)
        if getuid() == 0 { #expect(backupInfo.st_uid == 0, "root's, not the deleted user's uid") }

        let wrong = try Self.install(bundle, stage: stage, ["--remove"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("usage: install.sh [--uninstall [--purge]]"))
    }
}
