#if canImport(Glibc)
import Glibc
#endif
import TokenAPI

/// Answers exactly one request as a CGI program: environment and stdin in, stdout out.
public enum CGIRunner {
    /// True when started as a CGI program (the web server sets `GATEWAY_INTERFACE`).
    public static var isCGI: Bool { getenv("GATEWAY_INTERFACE") != nil }

    public static func run(maximumBodySize: Int, responder: (APIRequest) -> APIResponse) -> Int32 {
        var environment = CGIEnvironment()
        var entry = environ
        while let pointer = entry.pointee {
            environment.add(entry: pointer)
            entry += 1
        }
        let length = environment.contentLength
        let response: APIResponse
        if length > maximumBodySize {
            response = APIResponse(
                status: 413, headers: [("Content-Type", "application/json")],
                body: Array(#"{"message":"413 Request Entity Too Large"}"#.utf8))
        } else {
            response = responder(environment.request(body: readStandardInput(length)))
        }
        let output = response.cgiHead + response.body
        var written = 0
        while written < output.count {
            let n = output.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + written, output.count - written) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                return 1
            }
            written += n
        }
        return 0
    }

    private static func readStandardInput(_ length: Int) -> [UInt8] {
        guard length > 0 else { return [] }
        var body = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = body.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress! + done, length - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        body.removeLast(length - done)
        return body
    }
}
