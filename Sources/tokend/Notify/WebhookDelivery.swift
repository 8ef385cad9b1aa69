#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TokenCore

/// Posts one webhook payload, with curl (run with no shell, its arguments fixed, everything
/// that varies written to its standard input as a curl config, so the secret token never shows
/// in the process list).
///
/// Where a hook may lead is decided here, before connecting: the host is resolved once, every
/// address it has must be public unless `allowLocal` (loopback, private, link-local, CGNAT,
/// multicast and unspecified ranges are refused, as GitLab refuses local requests from hooks by
/// default), and curl is pinned to the checked address (`--resolve`), so a second DNS answer
/// cannot move it. Redirects are not followed: a 3xx is a failed delivery, since following it
/// would send `X-Gitlab-Token` wherever the receiver points. No proxy from the environment is
/// used; no `~/.curlrc` is read.
struct WebhookDelivery {
    var allowLocal: Bool
    var timeoutSeconds = 10

    enum Failure: Error, CustomStringConvertible {
        case invalidURL
        case unresolvable(String)
        case localAddress(String)
        case noCurl

        var description: String {
            switch self {
            case .invalidURL: return "the hook's URL is not a valid http(s) URL"
            case .unresolvable(let host): return "\(host) does not resolve"
            case .localAddress(let address):
                return "\(address) is a loopback, private or link-local address (--allow-local-webhooks permits it)"
            case .noCurl: return "curl is not installed (apt-get install curl)"
            }
        }
    }

    /// The HTTP status the receiver answered, or nil when it could not be reached.
    func post(
        url: String, body: [UInt8], headers: [(String, String)], verifyTLS: Bool
    ) throws(Failure) -> Int? {
        guard let parts = WebhookRules.validateURL(url) else { throw .invalidURL }
        let address = try checkedAddress(parts)
        let candidates: [String] = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"]
        guard let curl = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw .noCurl
        }
        var config = [
            "silent", "show-error", "url = \(Self.quoted(url))", "request = \"POST\"", "proto = \"=http,https\"",
            "noproxy = \"*\"", "max-time = \(timeoutSeconds)", "connect-timeout = \(min(5, timeoutSeconds))",
            "output = \"/dev/null\"", "write-out = \"%{http_code}\"",
            "resolve = \(Self.quoted("\(parts.host.contains(":") ? "[\(parts.host)]" : parts.host):\(parts.port):\(address.contains(":") ? "[\(address)]" : address)"))",
        ]
        if !verifyTLS { config.append("insecure") }
        for (name, value) in headers { config.append("header = \(Self.quoted("\(name): \(value)"))") }
        config.append("data-binary = \(Self.quoted(String(decoding: body, as: UTF8.self)))")
        let output = Self.run(curl, ["-q", "--config", "-"], input: config.joined(separator: "\n") + "\n")
        guard let code = Int(output.filter(\.isNumber)), code > 0 else { return nil }
        return code
    }

    /// The first address of the host, once all of them are known to be allowed.
    func checkedAddress(_ url: WebhookURL) throws(Failure) -> String {
        let addresses = Self.resolve(url.host)
        guard let first = addresses.first else { throw .unresolvable(url.host) }
        if !allowLocal, let local = addresses.first(where: Self.isLocal) { throw .localAddress(local) }
        return first
    }

    // MARK: Addresses

    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let list else { return [] }
        defer { freeaddrinfo(list) }
        var found: [String] = []
        var next: UnsafeMutablePointer<addrinfo>? = list
        while let entry = next {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if entry.pointee.ai_family == AF_INET {
                var address = entry.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
            } else if entry.pointee.ai_family == AF_INET6 {
                var address = entry.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
            }
            let text = String(cString: buffer)
            if !text.isEmpty, !found.contains(text) { found.append(text) }
            next = entry.pointee.ai_next
        }
        return found
    }

    /// Loopback, private, link-local, CGNAT, multicast, reserved or unspecified.
    static func isLocal(_ address: String) -> Bool {
        if address.contains(":") {
            let lower = address.lowercased()
            if lower.hasPrefix("::ffff:"), lower.contains(".") { return isLocal(String(lower.dropFirst(7))) }
            return lower == "::1" || lower == "::" || lower.hasPrefix("fe8") || lower.hasPrefix("fe9") || lower.hasPrefix("fea")
                || lower.hasPrefix("feb") || lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("ff")
        }
        let octets = address.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return true }
        switch (octets[0], octets[1]) {
        case (0, _), (10, _), (127, _), (169, 254), (192, 168): return true
        case (172, 16...31), (100, 64...127): return true
        case (224...255, _): return true
        default: return false
        }
    }

    // MARK: curl

    /// A curl config string: quoted, with `\` and `"` escaped (curl's config syntax).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default: out.append(character)
            }
        }
        return out + "\""
    }

    /// Runs `executable` with `input` on its standard input; returns its standard output.
    static func run(_ executable: String, _ arguments: [String], input: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return ""
        }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
