#if canImport(Glibc)
import Glibc
#endif
import JSON
import TokenCore

/// Creating a data directory and reading its secret.
public enum StoreSetup {
    /// Creates the directory (0700), lock, empty snapshot and journal, and the secret (0600),
    /// leaving anything that already exists untouched. Returns true when it created the store.
    @discardableResult
    public static func initialize(directory: String) throws(StoreError) -> Bool {
        let layout = StoreLayout(directory: directory)
        if mkdir(layout.directory, 0o700) != 0 && errno != EEXIST { throw .syscall("mkdir", layout.directory) }
        if chmod(layout.directory, 0o700) != 0 { throw .syscall("chmod", layout.directory) }
        let lockFD = try FileIO.open(layout.lock, O_RDWR | O_CREAT, mode: 0o600)
        fchmod(lockFD, 0o600)
        close(lockFD)
        let secret = Array(hexEncode(TokenSecret.generateBytes()).utf8) + [0x0A]
        _ = try DurableFile.createExclusive(at: layout.secret, with: secret, directory: layout.directory)
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
        guard let bytes = hexDecode(text), bytes.count >= 32 else {
            throw StoreError(operation: "read", path: path, detail: "the secret must be at least 32 bytes of hex")
        }
        return TokenSecret(bytes: bytes)
    }

    static func hexEncode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }

    static func hexDecode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let h = hex(chars[i]), let l = hex(chars[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
