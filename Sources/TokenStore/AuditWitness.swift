#if canImport(Glibc)
import Glibc
#endif
import TokenAudit

/// Where the audit chain's head goes after every append, outside the data directory: whoever
/// can rewrite `audit/` (root, the service user, a restored backup) can rewrite everything after
/// the last head that someone else saw, and nothing before it. `tokend audit verify --head
/// SEQ:MAC` checks the chain against a head taken from there.
///
/// One short line per append (a batch of lines: the head covers every line before it):
/// `tokend audit head SEQ:MAC`. Only the line's number and its MAC, an HMAC under the audit key
/// that reveals neither the key nor the event, so the line may go wherever logs go. Best effort
/// and never blocking: a sink that cannot take the line drops it (the chain itself is intact;
/// only the outside copy of that head is missing).
public enum AuditWitness: Sendable, Equatable {
    /// No witness (tests, stores whose files are shipped elsewhere anyway).
    case none
    /// `syslog(3)`, facility `auth`, priority `info`: journald or rsyslog, from where a log
    /// shipper takes it off the host. The default.
    case syslog
    /// Appends the line to a file (0600, created when missing).
    case file(String)
    /// Sends the line as one datagram to a unix socket, without waiting.
    case socket(String)

    /// Parses the `--audit-witness` setting: `syslog`, `none`, `file:/path` or `unix:/path`.
    public init?(setting text: String) {
        switch text {
        case "syslog": self = .syslog
        case "none": self = .none
        default:
            if text.hasPrefix("file:/"), text.utf8.count < 4096 {
                self = .file(String(text.dropFirst(5)))
            } else if text.hasPrefix("unix:/"), text.utf8.count - 5 < 108 {
                self = .socket(String(text.dropFirst(5)))
            } else {
                return nil
            }
        }
    }

    /// The line for `head` (without a newline).
    public static func message(_ head: AuditChain.Link) -> String { "tokend audit head \(head.seq):\(head.mac)" }

    /// Records `head` in the sink.
    public func record(_ head: AuditChain.Link) {
        guard head.seq > 0 else { return }
        let text = Self.message(head)
        switch self {
        case .none: return
        case .syslog:
            _ = withVaList([]) { arguments in
                text.withCString { vsyslog(LOG_AUTH | LOG_INFO, $0, arguments) }
            }
        case .file(let path):
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return }
            let bytes = Array((text + "\n").utf8)
            _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            close(fd)
        case .socket(let path):
            Self.send(Array(text.utf8), to: path)
        }
    }

    private static func send(_ bytes: [UInt8], to path: String) {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name = Array(path.utf8)
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in name.enumerated() { raw[index] = byte }
        }
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes {
                    sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), socketAddress, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
    }
}
