import HTTPTypes
public import JSON

/// Bounds on what one request may carry, far above anything a GitLab client sends. Input past a
/// bound is refused before work proportional to it is done, so no request, with or without a
/// token, can buy more than a few milliseconds of CPU.
public enum RequestLimits {
    /// Query and form fields (each `key[]=` element counts), and top-level JSON fields.
    public static let parameters = 1_000
    /// A JSON body: nesting depth and number of values (python-gitlab nests 2 deep and sends
    /// tens of values).
    public static let json = JSONParser.Limits(depth: 32, values: 10_000)
    /// The request target, path and query (nginx's default request-line buffer is 8 KB).
    public static let target = 16_384
    /// `search`, `query` and `username` filters (GitLab's own search API stops at 4,096
    /// characters); every list search is linear in the term and the names it scans.
    public static let searchTerm = 4_096
}
