import ArgumentParser
import TokenStore
import TokendSettings

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect and maintain the store (the data directory, or the PostgreSQL database of --store).",
        subcommands: [
            CheckStore.self, CompactStore.self, BackupStore.self, RestoreStore.self, SeedStore.self, MigrateStore.self, ExportStore.self,
            ImportStore.self,
        ]
    )
}

struct CheckStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load and verify the whole store; print its generation, sequence, sizes and counts.",
        discussion: """
            Parses every record and checks that sequence numbers continue, that the directory is \
            0700 and every file 0600, that no temporary file is left over, and that the lock can \
            be taken within 1 s. Exits non-zero, naming the file (and the byte offset of a bad \
            record), when anything is wrong.

            With --store (PostgreSQL): loads the store from the tables as a worker does, then \
            prints the schema version, the last change, the log's length and the tables' counts, \
            and checks that the change log has no gap and, while it is whole (no bulk write or \
            pruning yet), that replaying it gives the tables' records, field for field.

            Examples:
              tokend store check --data /var/lib/tokend
              TOKEND_STORE=postgres://tokend@db.internal:5432/tokend tokend store check
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let (lines, problems) = try store.openStore().check()
        for line in lines { print(line) }
        for problem in problems { print("problem: \(problem)") }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}

struct CompactStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Fold the journal into a new snapshot generation now.",
        discussion: """
            Safe while workers run: they notice the new generation on their next request. Workers \
            also compact on their own when the journal outgrows a quarter of the snapshot.

            With --store (PostgreSQL): deletes all but the newest entries of the change log, \
            10,000 unless --keep-changes says otherwise (the tables hold every record; a host \
            further behind reloads them).

            Example:
              tokend store compact --data /var/lib/tokend
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(
        name: .customLong("keep-changes"),
        help: ArgumentHelp("PostgreSQL only: how many of the newest change log entries to keep (default: 10000).", valueName: "n"))
    var keepChanges: Int?

    func validate() throws {
        if let keepChanges, !(1...10_000_000).contains(keepChanges) {
            throw ValidationError("--keep-changes takes 1 to 10000000 entries")
        }
    }

    func run() throws {
        print(try store.openStore().compactNow(keepChanges: keepChanges))
    }
}
