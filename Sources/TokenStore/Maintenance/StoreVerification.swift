#if canImport(Glibc)
import Glibc
#endif

/// What `tokend store check` verifies beyond loading every record (which already checks that
/// each line parses and that sequence numbers continue): modes, leftovers and the lock.
public enum StoreVerification {
    /// Problems found, as sentences naming the file; empty when all is well.
    public static func problems(in directory: String) -> [String] {
        let layout = StoreLayout(directory: directory)
        var found: [String] = []
        var st = stat()
        if stat(layout.directory, &st) == 0, st.st_mode & 0o777 != 0o700 {
            found.append("\(layout.directory) has mode \(String(st.st_mode & 0o777, radix: 8)); expected 700")
        }
        // A compaction writes its temp file while holding the compaction lock: not a leftover.
        let compactionRunning = (try? CompactionLock(directory: layout.directory)) == nil
        if let dir = opendir(layout.directory) {
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                let path = layout.directory + "/" + name
                if name.hasSuffix(".tmp"), !compactionRunning { found.append("\(path) is a leftover temporary file") }
                let expected: mode_t = name == "audit" ? 0o700 : 0o600
                if stat(path, &st) == 0, st.st_mode & 0o777 != expected {
                    found.append("\(path) has mode \(String(st.st_mode & 0o777, radix: 8)); expected \(String(expected, radix: 8))")
                }
            }
        }
        // The audit files: 0600 each, like everything else in the store.
        if let dir = opendir(layout.auditDirectory) {
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                let path = layout.auditDirectory + "/" + name
                if stat(path, &st) == 0, st.st_mode & 0o777 != 0o600 {
                    found.append("\(path) has mode \(String(st.st_mode & 0o777, radix: 8)); expected 600")
                }
            }
        }
        do {
            let lock = try StoreLock(path: layout.lock)
            if try lock.acquire(timeoutMilliseconds: 1000) {
                lock.release()
            } else {
                found.append("\(layout.lock) stayed locked for more than 1 s")
            }
        } catch {
            found.append("\(error)")
        }
        return found
    }
}
