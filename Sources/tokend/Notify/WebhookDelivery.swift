#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TokenCore

/// Posts one webhook payload, with curl (run with no shell, its arguments fixed, everything
/// that varies written to its standard input as a curl config, so the secret token never shows
/// in the process list).
///
/// Exactly one request per delivery: URL globbing is off (`globoff`: `[1-40]` or `{a,b}` in a
/// hook's URL are sent as they are, never expanded into several requests), redirects are not
/// followed (a 3xx is a failed delivery, since following it would send `X-Gitlab-Token`
/// wherever the receiver points), and no retry is left to curl.
///
/// Where a hook may lead is decided here, before connecting: the host is resolved once (bounded
/// by the timeout), every address it has must be public unless `allowLocal`
/// (``OutboundAddressRules``, and this host's own interface addresses), and curl is pinned to the
/// checked address (`resolve`, for the URL's host and for any other name), so a second DNS
/// answer cannot move it; the address curl reports having used is compared with it. No proxy
/// from the environment is used; no `~/.curlrc` is read.
///
/// Bounded in time: `timeout` seconds for the lookup and, again, for the request (curl's
/// `max-time`), and curl is killed by its PID shortly after, should it overstay.
struct WebhookDelivery {
    var allowLocal: Bool

    enum Failure: Error, CustomStringConvertible {
        case invalidURL
        case unresolvable(String)
        case localAddress(String, OutboundAddressRules.Reason?)
        case unpinned(String)
        case noCurl

        var description: String {
            switch self {
            case .invalidURL: return "the hook's URL is not a valid http(s) URL"
            case .unresolvable(let host): return "\(host) does not resolve"
            case .localAddress(let address, let reason):
                return "\(address) is a loopback, private or link-local address (\(reason?.rawValue ?? "this host's own")) (--allow-local-webhooks permits it)"
            case .unpinned(let address): return "curl connected to \(address), not to the checked address"
            case .noCurl: return "curl is not installed (apt-get install curl)"
            }
        }
    }

    /// The HTTP status the receiver answered, or nil when it could not be reached in
    /// `timeout` seconds.
    func post(
        url: String, body: [UInt8], headers: [(String, String)], verifyTLS: Bool, timeout: Double
    ) throws(Failure) -> Int? {
        guard let parts = WebhookRules.validateURL(url) else { throw .invalidURL }
        let started = DispatchTime.now()
        let address = try checkedAddress(parts, timeout: timeout)
        let candidates: [String] = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"]
        guard let curl = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw .noCurl
        }
        let left = max(0.001, timeout - Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
        let output = Self.run(curl, ["-q", "--config", "-"], input: Self.config(
            url: url, parts: parts, address: address, body: body, headers: headers, verifyTLS: verifyTLS, timeout: left), timeout: left + 2)
        let fields = output.split(separator: " ", maxSplits: 1).map(String.init)
        guard let first = fields.first, let code = Int(first), code > 0 else { return nil }
        if fields.count == 2, !fields[1].isEmpty, fields[1] != address.text { throw .unpinned(fields[1]) }
        return code
    }

    /// curl's configuration for one POST of `body` to `url`, pinned to `address`.
    static func config(
        url: String, parts: WebhookURL, address: ResolvedAddress, body: [UInt8], headers: [(String, String)], verifyTLS: Bool,
        timeout: Double
    ) -> String {
        let pinned = address.text.contains(":") ? "[\(address.text)]" : address.text
        let host = parts.host.contains(":") ? "[\(parts.host)]" : parts.host
        let seconds = String(format: "%.3f", timeout)
        var config = [
            "silent", "show-error", "globoff", "url = \(quoted(url))", "request = \"POST\"", "proto = \"=http,https\"",
            "noproxy = \"*\"", "max-time = \(seconds)", "connect-timeout = \(String(format: "%.3f", min(5, timeout)))",
            "output = \"/dev/null\"", "write-out = \"%{http_code} %{remote_ip}\"",
            "resolve = \(quoted("\(host):\(parts.port):\(pinned)"))", "resolve = \(quoted("*:\(parts.port):\(pinned)"))",
        ]
        if !verifyTLS { config.append("insecure") }
        for (name, value) in headers { config.append("header = \(quoted("\(name): \(value)"))") }
        config.append("data-binary = \(quoted(String(decoding: body, as: UTF8.self)))")
        return config.joined(separator: "\n") + "\n"
    }

    /// The first address of the host, once all of them are known to be allowed.
    func checkedAddress(_ url: WebhookURL, timeout: Double) throws(Failure) -> ResolvedAddress {
        let addresses = HostResolution.resolve(url.host, timeout: timeout)
        guard let first = addresses.first else { throw .unresolvable(url.host) }
        guard !allowLocal else { return first }
        for address in addresses {
            if let reason = OutboundAddressRules.localReason(address.bytes) { throw .localAddress(address.text, reason) }
        }
        let own = HostResolution.interfaceAddresses()
        if let mine = addresses.first(where: { own.contains($0.bytes) }) { throw .localAddress(mine.text, nil) }
        return first
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
    /// Killed (SIGKILL, by its PID) when it has not exited after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], input: String, timeout: Double) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            return ""
        }
        try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
            return ""
        }
        // The output is the few bytes of `write-out`, all written by now.
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }
}
