#if canImport(Glibc)
import Glibc
#endif

/// Refuses filesystems whose locking or append semantics the store cannot trust (network and
/// FUSE filesystems), by the type the kernel reports in `/proc/self/mountinfo`.
public enum FilesystemCheck {
    /// True when a store must not live on a filesystem of this type (`nfs4`, `cifs`, `fuse.sshfs`, …).
    public static func isRefused(type: String) -> Bool {
        let refused: Set<String> = ["nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "9p", "afs", "coda", "lustre", "gpfs", "ceph", "glusterfs"]
        return refused.contains(type) || type == "fuse" || type.hasPrefix("fuse.") || type == "fuseblk"
    }

    /// The filesystem type of the mount that holds `path`, from mountinfo text.
    public static func filesystemType(of path: String, mountinfo: String) -> String? {
        var best: (mountPoint: String, type: String)?
        for line in mountinfo.split(separator: "\n") {
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { continue }
            let fields = halves[0].split(separator: " ")
            guard fields.count >= 5, let type = halves[1].split(separator: " ").first else { continue }
            let mountPoint = unescape(String(fields[4]))
            let covers = path == mountPoint || mountPoint == "/"
                || path.hasPrefix(mountPoint.hasSuffix("/") ? mountPoint : mountPoint + "/")
            if covers, mountPoint.count >= (best?.mountPoint.count ?? -1) { best = (mountPoint, String(type)) }
        }
        return best?.type
    }

    /// Throws when `directory` is on a refused filesystem; an unreadable mount table is not an error.
    public static func verify(directory: String) throws(StoreError) {
        guard let resolved = realpath(directory, nil) else { throw .syscall("realpath", directory) }
        let path = String(cString: resolved)
        free(resolved)
        guard let bytes = try? FileIO.readAll("/proc/self/mountinfo"),
            let type = filesystemType(of: path, mountinfo: String(decoding: bytes, as: UTF8.self)),
            isRefused(type: type)
        else { return }
        throw StoreError(
            operation: "open", path: directory,
            detail: "the store is on a \(type) filesystem, whose locks and appends are not reliable; "
                + "use a local filesystem, or pass --allow-network-filesystem to accept the risk")
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    private static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count,
                let value = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
