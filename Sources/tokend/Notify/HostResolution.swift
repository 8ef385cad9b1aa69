#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One resolved address: as curl is given it, and its bytes in network order (4 or 16).
struct ResolvedAddress: Equatable {
    var text: String
    var bytes: [UInt8]
}

/// Name resolution for the notifier, done once per delivery and bounded in time, and the
/// host's own interface addresses (GitLab's `UrlBlocker` refuses them as "localhost").
enum HostResolution {
    /// The host's addresses, in the resolver's order; empty when it does not resolve within
    /// `timeout` seconds. `getaddrinfo` cannot be interrupted, so a slow lookup is left to
    /// finish on its own thread (bounded by the resolver's own timeouts) and abandoned.
    static func resolve(_ host: String, timeout: Double) -> [ResolvedAddress] {
        final class Box: @unchecked Sendable {
            let lock = NSLock()
            var found: [ResolvedAddress] = []
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let found = lookUp(host)
            box.lock.withLock { box.found = found }
            done.signal()
        }
        thread.start()
        guard done.wait(timeout: .now() + max(0.001, timeout)) == .success else { return [] }
        return box.lock.withLock { box.found }
    }

    static func lookUp(_ host: String) -> [ResolvedAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let list else { return [] }
        defer { freeaddrinfo(list) }
        var found: [ResolvedAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = list
        // Bounded: a resolver answer holds a few dozen entries at most.
        while let entry = next, found.count < 64 {
            if let address = entry.pointee.ai_addr.flatMap(address(of:)), !found.contains(address) { found.append(address) }
            next = entry.pointee.ai_next
        }
        return found
    }

    /// The address in a `sockaddr` of family AF_INET or AF_INET6.
    static func address(of socketAddress: UnsafeMutablePointer<sockaddr>) -> ResolvedAddress? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let bytes: [UInt8]
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            var raw = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
            bytes = withUnsafeBytes(of: raw) { Array($0) }
        case AF_INET6:
            var raw = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
            bytes = withUnsafeBytes(of: raw) { Array($0) }
        default:
            return nil
        }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? nil : ResolvedAddress(text: text, bytes: bytes)
    }

    /// The addresses of this host's network interfaces.
    static func interfaceAddresses() -> [[UInt8]] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let list else { return [] }
        defer { freeifaddrs(list) }
        var found: [[UInt8]] = []
        var next: UnsafeMutablePointer<ifaddrs>? = list
        while let entry = next, found.count < 1024 {
            if let address = entry.pointee.ifa_addr.flatMap(address(of:)) { found.append(address.bytes) }
            next = entry.pointee.ifa_next
        }
        return found
    }
}
