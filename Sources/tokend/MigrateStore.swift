import ArgumentParser
import PostgresStore
import TokendSettings

struct MigrateStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade tokend's tables in the PostgreSQL database of --store.",
        discussion: """
            Applies, in order, each schema migration the database has not had yet, every one in \
            its own transaction, and records it in tokend.schema_migrations. Safe to run again, \
            and from several hosts at once (an advisory lock takes them one at a time). `tokend \
            init` runs it too. Run it before starting workers of a new release: a worker refuses \
            a schema older or newer than its own.

            Example:
              tokend store migrate --store postgres://tokend@db.internal:5432/tokend
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let settings = try store.settings()
        guard let postgres = settings.postgres else {
            throw ValidationError("migrations are for the PostgreSQL store: give --store postgres://… (or TOKEND_STORE)")
        }
        let applied = try PostgresStore(location: postgres, logger: settings.logger("tokend")).migrate()
        print(applied.isEmpty
            ? "\(postgres) is up to date" : "applied migration\(applied.count == 1 ? "" : "s") \(applied.map(String.init).joined(separator: ", ")) to \(postgres)")
    }
}
