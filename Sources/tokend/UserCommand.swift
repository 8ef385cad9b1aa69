import ArgumentParser
import TokenCore
import TokenStore

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users offline, on the store of --data or --store (what the Users API does, for bootstrapping).",
        subcommands: [CreateUser.self, ListUsers.self, BlockUser.self, UnblockUser.self, DeleteUser.self, SetUserPassword.self]
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
        let now = Clock.system.now()
        let new = UserDirectory.NewUser(
            username: username, name: name ?? username, email: email ?? "\(username)@example.com", isAdmin: admin)
        let user = try repository.auditedWrite { state throws -> User in
            do {
                return try UserDirectory.create(new, at: now, in: &state)
            } catch UserDirectory.Failure.taken(let what) {
                throw ValidationError("\(what) has already been taken")
            } catch UserDirectory.Failure.invalid(let error) {
                throw ValidationError(error.sentence)
            }
        }
        print(user.id.rawValue)
    }
}

struct ListUsers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print every user: id, username, state, and whether an admin or a bot.",
        discussion: "Example:\n  tokend user list --data ./var"
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let users = try store.openStore().read { $0.allUsers() }
        for user in users {
            var flags: [String] = []
            if user.isAdmin { flags.append("admin") }
            if user.isBot { flags.append("bot") }
            if user.isServiceAccount { flags.append("service_account") }
            print("\(user.id)\t\(user.username)\t\(user.state.rawValue)\t\(flags.joined(separator: ","))")
        }
    }
}

/// Shared by block, unblock and delete: the user given by name or id.
struct UserReference: ParsableArguments {
    @Argument(help: ArgumentHelp("A username or a numeric id.", valueName: "name-or-id"))
    var user: String

    func resolve(in state: borrowing StoreState) throws -> UserID {
        guard let found = UserDirectory.find(user, in: state) else { throw ValidationError("no user \(user)") }
        return found.id
    }
}

struct BlockUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Block a user: their tokens answer 403 until unblocked.",
        discussion: "Example:\n  tokend user block --data ./var alice"
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var reference: UserReference

    func run() throws {
        let reference = self.reference
        try store.openStore().auditedWrite { state throws in
            _ = try UserDirectory.setBlocked(true, try reference.resolve(in: state), in: &state)
        }
    }
}

struct UnblockUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unblock",
        abstract: "Unblock a user.",
        discussion: "Example:\n  tokend user unblock --data ./var alice"
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var reference: UserReference

    func run() throws {
        let reference = self.reference
        try store.openStore().auditedWrite { state throws in
            _ = try UserDirectory.setBlocked(false, try reference.resolve(in: state), in: &state)
        }
    }
}

struct DeleteUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a user; their tokens are revoked and never work again.",
        discussion: "Example:\n  tokend user delete --data ./var alice"
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var reference: UserReference

    func run() throws {
        let reference = self.reference
        let now = Clock.system.now()
        try store.openStore().auditedWrite { state throws in
            try UserDirectory.delete(try reference.resolve(in: state), at: now, in: &state)
        }
    }
}
