import ArgumentParser
import TokenStore
import TokendSettings

struct BackupStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the data directory, consistently, while workers keep serving.",
        discussion: """
            Takes the store's write lock for a few system calls, notes the snapshot and the \
            journal as they are at that instant, lets go, and copies them with the secret into \
            PATH: a new directory (0700, files 0600, fsynced) that is itself a data directory. \
            Every write acknowledged before the backup started is in it; writers wait only for \
            those few system calls. PATH must not exist; it appears complete or not at all. The \
            copy is checked as `tokend store check` would, and its figures printed.

            The copy holds the secret (secret.key) under which every token is digested: keep it \
            as private as the data directory. Run it as the store's owner or as root; run as \
            root, the copy belongs to the data directory's owner, ready to be moved into place.

            Example:
              tokend store backup --data /var/lib/tokend --to /var/backups/tokend-$(date +%F)
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The new directory to create (must not exist).", valueName: "path"))
    var to: String

    func validate() throws {
        guard try store.settings().postgresStore == nil else {
            throw ValidationError("the PostgreSQL store is backed up with PostgreSQL's tools (pg_dump), or moved with `tokend store export`")
        }
        guard !to.isEmpty else { throw ValidationError("--to takes the path of a new directory") }
        guard StoreLayout(directory: to).directory != StoreLayout(directory: try store.settings().data).directory else {
            throw ValidationError("--to must name a new directory, not the data directory")
        }
    }

    func run() throws {
        // No switch to the store's owner here: the copy goes wherever root may write, and is
        // then given to that owner. The backup reads the store and creates nothing in it.
        let settings = try store.settings()
        let summary = try StoreBackup.copy(from: settings.data, to: to)
        let copy = try JSONFileStore(directory: to, allowNetworkFilesystem: true, logger: settings.logger("tokend"))
        let status = try copy.status()
        let problems = StoreVerification.problems(in: to)
        guard problems.isEmpty else {
            throw CommandError("the copy in \(to) does not pass the store check: \(problems.joined(separator: "; "))")
        }
        print(
            "backed up \(settings.data) to \(to): generation \(summary.generation), last_seq \(status.lastSeq), "
                + "\(status.users) users, \(status.tokens) tokens, \(summary.snapshotBytes + summary.journalBytes) bytes")
    }
}
