import ArgumentParser
import TokenCore
import TokenStore

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users offline, on the data directory.",
        subcommands: [CreateUser.self]
    )
}

struct CreateUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a user and print its id.",
        discussion: """
            Example:
              ID=$(tokend user create --data ./var --username alice --email alice@example.com)
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "Login name; letters, digits, '_', '-', '.'.")
    var username: String

    @Option(help: "Display name (default: the username).")
    var name: String?

    @Option(help: "E-mail address (default: USERNAME@example.com).")
    var email: String?

    @Flag(help: "Make the user an instance administrator.")
    var admin = false

    func validate() throws {
        guard UserRules.isValidUsername(username) else {
            throw ValidationError("--username may hold only letters, digits, '_', '-' and '.', and must not start with '-' or '.'")
        }
    }

    func run() throws {
        let repository = try store.openStore()
        let clock = Environment.systemClock
        let (username, name, email, admin) = (self.username, self.name, self.email, self.admin)
        let id = try repository.write { state throws -> UserID in
            guard state.user(username: username) == nil else {
                throw ValidationError("a user named \(username) already exists")
            }
            let id = state.allocateUserID()
            state.put(User(
                id: id, username: username, name: name ?? username, email: email ?? "\(username)@example.com",
                isAdmin: admin, createdAt: clock.now()))
            return id
        }
        print(id.rawValue)
    }
}
