import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whether this machine lets the tests mount, found once by trying it in a scratch directory,
/// so tests that need it are listed as skipped (with the reason) rather than passing unrun.
enum MountProbe {
    static let tmpfsMountsWork: Bool = probe { directory in ["-t", "tmpfs", "-o", "size=16k", "tmpfs", directory] }
    static let bindMountsWork: Bool = probe { directory in ["--bind", directory, directory] }

    private static func probe(_ arguments: (String) -> [String]) -> Bool {
        guard getuid() == 0, let directory = try? LiveServer.makeTemporaryDirectory() else { return false }
        defer {
            LiveServer.unmountAll(directory)
            try? FileManager.default.removeItem(atPath: directory)
        }
        return (try? LiveServer.run("/bin/mount", arguments(directory)).status) == 0
    }
}
