/// A command that could not do its work although its arguments were fine (no such token, a
/// store that belongs to someone else): printed as `Error: …`, without the usage text that a
/// `ValidationError` brings.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
