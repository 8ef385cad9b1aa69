/// A person (or a project/group bot) that tokens belong to.
public struct User: Hashable, Sendable {
    public enum State: String, Sendable, CaseIterable {
        case active
        case blocked
    }

    public var id: UserID
    public var username: String
    public var name: String
    public var email: String
    public var isAdmin: Bool
    /// True for the bot users that project and group access tokens create.
    public var isBot: Bool
    public var state: State
    public var createdAt: Timestamp

    public init(
        id: UserID, username: String, name: String, email: String, isAdmin: Bool = false,
        isBot: Bool = false, state: State = .active, createdAt: Timestamp
    ) {
        self.id = id
        self.username = username
        self.name = name
        self.email = email
        self.isAdmin = isAdmin
        self.isBot = isBot
        self.state = state
        self.createdAt = createdAt
    }
}
