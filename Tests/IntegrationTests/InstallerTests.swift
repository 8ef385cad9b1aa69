import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// scripts/install.sh staged under DESTDIR, as packaging does, from a directory laid out like
/// the release bundle (bin/tokend, deploy/, install.sh) but made from this checkout, so it runs
/// without the minutes-long release build: install, upgrade, `--uninstall` (keeps the data),
/// `--uninstall --purge` (removes it).
@Suite(.timeLimit(.minutes(10)))
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
        let purged = try Self.install(bundle, stage: stage, ["--uninstall", "--purge"])
        #expect(purged.status == 0, "\(purged.stderr)")
        #expect(!installed.contains(where: Self.exists))
        #expect(!Self.exists(stage + "/var/lib/tokend"), "purged")

        let wrong = try Self.install(bundle, stage: stage, ["--remove"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("usage: install.sh [--uninstall [--purge]]"))
    }
}
