#if canImport(Glibc)
public import Glibc
#endif

/// Where the FastCGI listening socket comes from.
public enum ListenSocket: Sendable, Equatable {
    /// A unix socket this process creates (mode as given, 0660 by default).
    case unix(path: String, mode: mode_t)
    /// A TCP socket this process binds, e.g. `127.0.0.1:9000`.
    case tcp(host: String, port: UInt16)
    /// A socket inherited from spawn-fcgi, mod_fcgid or systemd (fd 0 or 3).
    case inherited(Int32)

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The socket systemd passed (`LISTEN_PID` is us, `LISTEN_FDS` ≥ 1): fd 3.
    public static func systemdSocket(environment: [String: String]) -> Int32? {
        guard let pid = environment["LISTEN_PID"], Int32(pid) == getpid(),
            let count = environment["LISTEN_FDS"], let n = Int(count), n >= 1
        else { return nil }
        return 3
    }

    /// True when fd 0 is a listening socket (spawn-fcgi, mod_fcgid, systemd `StandardInput=socket`).
    public static func standardInputIsListening() -> Bool {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) == 0 else { return false }
        return value != 0
    }

    /// Parses `host:port` (IPv4 or `[v6]`).
    public static func parseTCP(_ text: String) -> ListenSocket? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return .tcp(host: host, port: port)
    }

    /// Opens (or adopts) the listening descriptor.
    public func open(backlog: Int32 = 1024) throws(SetupError) -> Int32 {
        switch self {
        case .inherited(let fd): return fd
        case .unix(let path, let mode): return try Self.openUnix(path, mode: mode, backlog: backlog)
        case .tcp(let host, let port): return try Self.openTCP(host, port, backlog: backlog)
        }
    }

    private static func failure(_ what: String) -> SetupError {
        SetupError(description: "\(what): \(String(cString: strerror(errno)))")
    }

    private static func openUnix(_ path: String, mode: mode_t, backlog: Int32) throws(SetupError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SetupError(description: "socket path is longer than 107 bytes: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        // Refuse to steal a socket another live worker is listening on; remove a stale one.
        if access(path, F_OK) == 0 {
            let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            let live = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
                }
            }
            close(probe)
            if live {
                close(fd)
                throw SetupError(description: "another process is already listening on \(path)")
            }
            unlink(path)
        }
        let previous = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        umask(previous)
        guard bound == 0 else {
            close(fd)
            throw failure("bind \(path)")
        }
        chmod(path, mode)
        guard listen(fd, backlog) == 0 else {
            close(fd)
            throw failure("listen \(path)")
        }
        return fd
    }

    private static func openTCP(_ host: String, _ port: UInt16, backlog: Int32) throws(SetupError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw SetupError(description: "not a numeric address: \(host)")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            close(fd)
            throw failure("bind \(host):\(port)")
        }
        guard listen(fd, backlog) == 0 else {
            close(fd)
            throw failure("listen \(host):\(port)")
        }
        return fd
    }
}
