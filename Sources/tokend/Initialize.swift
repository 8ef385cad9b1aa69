#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import PostgresStore
import TokenCore
import TokenStore
import TokendSettings

struct Initialize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a store (a data directory, or PostgreSQL's tables), the secret and the administrator root.",
        discussion: """
            Creates DIR (mode 0700) with the lock file, an empty snapshot and journal, and a \
            fresh 256-bit secret (0600) under which token digests are computed; then the first \
            administrator, `root` (id 1). Safe to run again: existing data is never overwritten.

            Run it as the user the workers run as. When that user may not create DIR, create it \
            as root first (install -d -m 0700 -o tokend -g tokend /var/lib/tokend). Run as root \
            on a directory that belongs to another user, tokend becomes that user first.

            With --store postgres://… (or TOKEND_STORE), creates tokend's tables in that \
            database instead (`tokend store migrate`), and keeps the secret there, in \
            tokend.instance, so every host digests tokens under the same key.

            Examples:
              tokend init --data /var/lib/tokend
              tokend init --store postgres://tokend@db.internal:5432/tokend
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let settings = try store.settings()
        let created: Bool
        let place: String
        let repository: any AdminStore
        if let postgres = settings.postgres {
            let database = PostgresStore(location: postgres, logger: settings.logger("tokend"))
            created = try database.initialize()
            place = postgres.description
            repository = database
        } else {
            let directory = settings.data
            try settings.becomeStoreOwner()
            do {
                created = try StoreSetup.initialize(directory: directory)
            } catch {
                guard error.operation == "mkdir", error.errno == EACCES else { throw error }
                throw Self.cannotCreate(directory, error)
            }
            place = directory
            repository = try settings.openStore()
        }
        let clock = Clock.system
        let madeRoot = try repository.auditedWrite { state -> Bool in
            guard state.users.isEmpty else { return false }
            let id = state.allocateUserID()
            state.put(User(
                id: id, username: "root", name: "Administrator", email: "admin@example.com", isAdmin: true,
                createdAt: clock.now()))
            return true
        }
        print(created ? "initialised \(place)" : "\(place) already initialised; nothing overwritten")
        if madeRoot { print("created administrator root (id 1)") }
    }

    /// `mkdir` was refused: say who tokend runs as and the command that makes the directory.
    static func cannotCreate(_ directory: String, _ error: StoreError) -> StoreError {
        let user = StoreOwnership.userName(geteuid())
        let group = StoreOwnership.groupName(getegid())
        var explained = error
        explained.detail = "tokend runs as \(user) and may not create it; create it as root first: "
            + "install -d -m 0700 -o \(user) -g \(group) \(StoreLayout(directory: directory).directory)"
        return explained
    }
}
