#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
public import TokenAPI

/// Answers exactly one request as a CGI program: parameters from the environment, the body
/// from stdin, the response on stdout.
public enum CGIRunner {
    /// True when started as a CGI program (the web server sets `GATEWAY_INTERFACE`).
    public static func isCGI(environment: [String: String]) -> Bool { environment["GATEWAY_INTERFACE"] != nil }

    /// Answers the request `environment` describes; returns the process exit status.
    public static func run(environment: [String: String], application: Application) -> Int32 {
        let parameters = CGIParameters(pairs: environment.map { ($0.key, $0.value) })
        var ids = RequestIDGenerator()
        let requestID = ids.next()
        let answer = parameters.answer(with: application, requestID: requestID, readBody: readStandardInput)
        let output = answer.response.cgiMessage(requestID: requestID)
        defer { application.flushAudit() }
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
