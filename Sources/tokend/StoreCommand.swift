import ArgumentParser
import TokenStore
import TokendSettings

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect and maintain the data directory.",
        subcommands: [CheckStore.self, CompactStore.self, BackupStore.self, SeedStore.self]
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

            Example:
              tokend store check --data /var/lib/tokend
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let settings = try store.settings()
        let repository = try settings.openStore()
        let status = try repository.status()
        print("generation \(status.generation)")
        print("last_seq \(status.lastSeq)")
        print("snapshot_bytes \(status.snapshotBytes)")
        print("journal_bytes \(status.journalBytes)")
        print("users \(status.users)")
        print("tokens \(status.tokens)")
        print("groups \(status.groups)")
        print("projects \(status.projects)")
        print("memberships \(status.memberships)")
        let problems = StoreVerification.problems(in: settings.data)
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

            Example:
              tokend store compact --data /var/lib/tokend
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let repository = try store.openStore()
        try repository.compact()
        let status = try repository.status()
        print("compacted: generation \(status.generation), last_seq \(status.lastSeq)")
    }
}
