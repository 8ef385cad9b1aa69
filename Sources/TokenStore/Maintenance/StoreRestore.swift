#if canImport(Glibc)
import Glibc
#endif

/// The file half of `tokend store restore`: the current data directory moved aside, never
/// deleted, and a checked backup copied into its place with the old directory's owner.
public enum StoreRestore {
    /// Renames `directory` to `<directory>.replaced-<stamp>` (made 0700; `-2`, `-3`, … when taken), then copies the store in
    /// `backup` into `directory` (0700, files 0600, fsynced; run as root, owned as the old
    /// directory was). If the copy fails, the old directory is renamed back. Returns the path
    /// the old directory went to. The caller holds the workers' lock (``WorkerPresence``).
    public static func replace(_ directory: String, with backup: String, stamp: String) throws(StoreError) -> String {
        let current = StoreLayout(directory: directory).directory
        // Two restores within a second get -2, -3, …: nothing aside is ever overwritten.
        var aside = "\(current).replaced-\(stamp)"
        var attempt = 1
        while FileIO.exists(aside) {
            attempt += 1
            aside = "\(current).replaced-\(stamp)-\(attempt)"
        }
        if rename(current, aside) != 0 { throw .syscall("rename", current) }
        do throws(StoreError) {
            if chmod(aside, 0o700) != 0 { throw .syscall("chmod", aside) }
            try FileIO.fsyncDirectory(StoreBackup.parent(of: current))
            _ = try StoreBackup.copy(from: backup, to: current, ownerOf: aside)
        } catch {
            if !FileIO.exists(current) && rename(aside, current) == 0 { try? FileIO.fsyncDirectory(StoreBackup.parent(of: current)) }
            throw error
        }
        return aside
    }
}
