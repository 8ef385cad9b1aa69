#if canImport(Glibc)
import Glibc
#endif
import JSON
public import TokenCore
import TokenRecords

/// Creating a data directory and reading its secret.
public enum StoreSetup {
    /// Creates the directory (0700), lock, empty snapshot and journal, the secret and the audit
    /// key (0600) and the audit directory (0700), leaving anything that already exists untouched. Returns true when it created the store.
    @discardableResult
    public static func initialize(directory: String) throws(StoreError) -> Bool {
        let layout = StoreLayout(directory: directory)
        if mkdir(layout.directory, 0o700) != 0 && errno != EEXIST { throw .syscall("mkdir", layout.directory) }
        if chmod(layout.directory, 0o700) != 0 { throw .syscall("chmod", layout.directory) }
        let lockFD = try FileIO.open(layout.lock, O_RDWR | O_CREAT, mode: 0o600)
        fchmod(lockFD, 0o600)
        close(lockFD)
        let secret = Array(Hex.encode(TokenSecret.generateBytes()).utf8) + [0x0A]
        _ = try DurableFile.createExclusive(at: layout.secret, with: secret, directory: layout.directory)
        _ = try AuditLayout.key(layout, create: true)
        try AuditLayout(layout).ensureDirectory()
        let header = RecordCoding.headerLine(.init(generation: 1, lastSeq: 0, nextUserID: 1, nextTokenID: 1))
        let created = try DurableFile.createExclusive(at: layout.snapshot, with: header, directory: layout.directory)
        if created {
            let fd = try FileIO.open(layout.journal(generation: 1), O_RDWR | O_CREAT, mode: 0o600)
            fchmod(fd, 0o600)
            close(fd)
        }
        return created
    }

    /// Reads the instance secret (hex) from the data directory.
    public static func loadSecret(directory: String) throws(StoreError) -> TokenSecret {
        let path = StoreLayout(directory: directory).secret
        let text = String(decoding: try FileIO.readAll(path), as: UTF8.self).filter { !$0.isWhitespace }
        guard let bytes = Hex.decode(text), bytes.count >= 32 else {
            throw StoreError(operation: "read", path: path, detail: "the secret must be at least 32 bytes of hex")
        }
        return TokenSecret(bytes: bytes)
    }
}
