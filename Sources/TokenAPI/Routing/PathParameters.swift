import HTTPTypes

/// The `:name` captures of the route that matched, decoded. A route declares its captures in
/// its pattern; a handler asks for them by name and type, as hummingbird's `Parameters` does.
public struct PathParameters: Sendable {
    var values: [(name: Substring, value: String)]

    init(_ values: [(name: Substring, value: String)] = []) { self.values = values }

    /// The capture `name`. Asking for a name the route does not declare is a programming error,
    /// answered with a 500 (every route is exercised by the tests).
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = values.first(where: { $0.name == name })?.value else {
            assertionFailure("the route declares no :\(name)")
            throw HTTPError.internalError
        }
        return value
    }

    /// The capture `name` as an integer, or Grape's 400 `{"error":"<name> is invalid"}` for a
    /// path such as `/personal_access_tokens/abc`.
    public func require(_ name: String, as _: Int.Type) throws(HTTPError) -> Int {
        guard let number = Int(try require(name)) else { throw HTTPError.error(.badRequest, "\(name) is invalid") }
        return number
    }

    /// The capture as an integer, or nil when it is not one (routes whose `:id` GitLab types
    /// as a string, then finds nothing).
    public func integer(_ name: String) throws(HTTPError) -> Int? { Int(try require(name)) }
}
