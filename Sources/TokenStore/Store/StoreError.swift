#if canImport(Glibc)
import Glibc
#endif
import TokenCore

/// A failure of the file store: what was attempted, on which path, and the errno.
///
/// Rendered uniformly: `fdatasync failed on /var/lib/tokend/tokens.journal.1.jsonl: EIO (Input/output error)`.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    public var errno: Int32?
    public var detail: String?

    public init(operation: String, path: String, errno: Int32? = nil, detail: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.detail = detail
    }

    /// The factory for a failed system call: captures the current `errno`.
    static func syscall(_ operation: String, _ path: String) -> StoreError {
        StoreError(operation: operation, path: path, errno: Glibc.errno)
    }

    /// Corrupt content, with where it was found.
    static func corrupt(_ path: String, line: Int, offset: Int, _ reason: String) -> StoreError {
        StoreError(operation: "read", path: path, detail: "corrupt record at line \(line), byte offset \(offset): \(reason)")
    }

    public var description: String {
        var text = "\(operation) failed on \(path)"
        if let errno { text += ": \(Self.errnoName(errno)) (\(String(cString: strerror(errno))))" }
        if let detail { text += ": \(detail)" }
        return text
    }

    /// How the API should answer for this failure.
    var repositoryError: RepositoryError {
        switch errno {
        case ENOSPC, EDQUOT: return RepositoryError(.full, description)
        case EROFS: return RepositoryError(.readOnly, "the store is on a read-only filesystem: \(path)")
        default: return RepositoryError(.failed, description)
        }
    }

    static func errnoName(_ code: Int32) -> String {
        switch code {
        case EIO: return "EIO"
        case ENOSPC: return "ENOSPC"
        case EDQUOT: return "EDQUOT"
        case EROFS: return "EROFS"
        case EACCES: return "EACCES"
        case ENOENT: return "ENOENT"
        case EEXIST: return "EEXIST"
        case EINTR: return "EINTR"
        case EWOULDBLOCK: return "EWOULDBLOCK"
        default: return "errno \(code)"
        }
    }
}
