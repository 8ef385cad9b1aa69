import ArgumentParser
import TokenCore
import TokenStore
import TokendSettings

struct Initialize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a data directory: the store, the secret and the administrator root.",
        discussion: """
            Creates DIR (mode 0700) with the lock file, an empty snapshot and journal, and a \
            fresh 256-bit secret (0600) under which token digests are computed; then the first \
            administrator, `root` (id 1). Safe to run again: existing data is never overwritten.

            Example:
              tokend init --data /var/lib/tokend
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let settings = try store.settings()
        let directory = settings.data
        let created = try StoreSetup.initialize(directory: directory)
        let repository = try settings.openStore()
        let clock = Clock.system
        let madeRoot = try repository.write { state -> Bool in
            guard state.users.isEmpty else { return false }
            let id = state.allocateUserID()
            state.put(User(
                id: id, username: "root", name: "Administrator", email: "admin@example.com", isAdmin: true,
                createdAt: clock.now()))
            return true
        }
        print(created ? "initialised \(directory)" : "\(directory) already initialised; nothing overwritten")
        if madeRoot { print("created administrator root (id 1)") }
    }
}
