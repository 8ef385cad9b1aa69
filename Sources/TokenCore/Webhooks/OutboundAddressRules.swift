/// Which resolved addresses a webhook may not reach unless local requests are allowed
/// (`--allow-local-webhooks`, GitLab's `allow_local_requests_from_web_hooks_and_services`).
///
/// Every range GitLab's `UrlBlocker` refuses (unspecified `0.0.0.0` and `::`, loopback, the
/// RFC 1918 networks, IPv6 site-local and unique local, link-local, the shared address space
/// 100.64.0.0/10, the limited broadcast address; IPv4-mapped IPv6 judged as its IPv4 address;
/// the host's own interface addresses, which the caller adds since they take I/O), and more:
/// all of 0.0.0.0/8, 192.0.0.0/24 (IETF protocol assignments), 198.18.0.0/15 (benchmarking),
/// multicast, 240.0.0.0/4, IPv4-compatible IPv6 (`::a.b.c.d`, all of ::/96), Teredo
/// (2001::/32) and local-use NAT64 (64:ff9b:1::/48). The IPv6 forms that carry an IPv4 address
/// to a gateway, NAT64 (64:ff9b::/96) and 6to4 (2002::/16), are judged by that IPv4 address.
/// Pure: takes the address's bytes in network order.
public enum OutboundAddressRules {
    /// Why an address is local, for the notifier's message.
    public enum Reason: String, Sendable {
        case unspecified, loopback
        case privateNetwork = "private network"
        case siteLocal = "site-local"
        case uniqueLocal = "unique local"
        case linkLocal = "link-local"
        case sharedAddressSpace = "shared address space"
        case reserved, multicast, broadcast
        case protocolAssignments = "IETF protocol assignment"
        case benchmarking
        case ipv4Compatible = "IPv4-compatible"
        case tunnel = "Teredo tunnel"
        case localNAT64 = "local-use NAT64"
    }

    /// Why the address (4 bytes for IPv4, 16 for IPv6) is local, or nil when it is public.
    /// Any other length is not an address: reserved.
    public static func localReason(_ bytes: [UInt8]) -> Reason? {
        switch bytes.count {
        case 4: return ipv4(bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: return ipv6(bytes)
        default: return .reserved
        }
    }

    static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Reason? {
        switch (a, b, c) {
        case (0, 0, 0) where d == 0: return .unspecified
        case (0, _, _): return .reserved
        case (127, _, _): return .loopback
        case (10, _, _), (172, 16...31, _), (192, 168, _): return .privateNetwork
        case (169, 254, _): return .linkLocal
        case (100, 64...127, _): return .sharedAddressSpace
        case (192, 0, 0): return .protocolAssignments
        case (198, 18...19, _): return .benchmarking
        case (224...239, _, _): return .multicast
        case (255, 255, 255) where d == 255: return .broadcast
        case (240...255, _, _): return .reserved
        default: return nil
        }
    }

    static func ipv6(_ x: [UInt8]) -> Reason? {
        let zeroPrefix = x[0..<10].allSatisfy { $0 == 0 }
        if zeroPrefix, x[10] == 0xFF, x[11] == 0xFF { return ipv4(x[12], x[13], x[14], x[15]) }
        if zeroPrefix, x[10] == 0, x[11] == 0 {
            if x[12..<15].allSatisfy({ $0 == 0 }) {
                if x[15] == 0 { return .unspecified }
                if x[15] == 1 { return .loopback }
            }
            return .ipv4Compatible
        }
        switch (x[0], x[1]) {
        case (0x00, 0x64) where x[2] == 0xFF && x[3] == 0x9B:
            if x[4..<12].allSatisfy({ $0 == 0 }) { return ipv4(x[12], x[13], x[14], x[15]) }
            if x[4] == 0, x[5] == 1 { return .localNAT64 }
            return nil
        case (0x20, 0x02): return ipv4(x[2], x[3], x[4], x[5])
        case (0x20, 0x01) where x[2] == 0 && x[3] == 0: return .tunnel
        case (0xFE, 0x80...0xBF): return .linkLocal
        case (0xFE, 0xC0...0xFF): return .siteLocal
        case (0xFC...0xFD, _): return .uniqueLocal
        case (0xFF, _): return .multicast
        default: return nil
        }
    }
}
