import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TokenCore
import TokenStore
import TokendSettings

struct RestoreStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place of the data directory, keeping the old one aside.",
        discussion: """
            Refuses while workers serve from the data directory (each holds a shared lock on \
            its workers.lock; the error names their PIDs): stop them first. Then it checks the \
            backup as `tokend store check` and `tokend audit verify` would; a backup that fails \
            changes nothing. Then it renames the data directory to DIR.replaced-<UTC time> \
            (0700; nothing is deleted) and copies the backup into DIR (0700, files 0600, \
            fsynced; run as root, owned by the old directory's owner).

            A backup cannot know what happened after it was taken: tokens revoked or rotated \
            since are active again in it, deploy tokens included. From the audit chain of the \
            directory moved aside, the command lists them (id, type, owner, name, what happened, \
            when, their state in the restored store; never a token's value). With --revoke-again it revokes those still \
            active in the restored store, in one audited write.

            The PostgreSQL store is restored with `tokend store import` from a `tokend store \
            export` file (see the README's "Backup and restore").

            Example:
              sudo systemctl stop tokend.socket tokend.service
              sudo tokend store restore --data /var/lib/tokend --from "$BACKUP" \\
                --revoke-again
              sudo systemctl start tokend.socket
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The backup to restore (a directory `tokend store backup` made).", valueName: "path"))
    var from: String

    @Flag(help: "Revoke again, in the restored store, the tokens revoked or rotated after the backup was taken.")
    var revokeAgain = false

    func validate() throws {
        let settings = try store.settings()
        guard settings.postgresStore == nil else {
            throw ValidationError(
                "the PostgreSQL store is restored with `tokend store import --from FILE` (a `tokend store export` file) or PostgreSQL's own tools")
        }
        guard !from.isEmpty else { throw ValidationError("--from takes the path of a backup directory") }
        guard StoreLayout(directory: from).directory != StoreLayout(directory: settings.data).directory else {
            throw ValidationError("--from must name a backup, not the data directory")
        }
    }

    func run() throws {
        let settings = try store.settings()
        let data = StoreLayout(directory: settings.data)
        let backup = StoreLayout(directory: from).directory
        guard FileManager.default.fileExists(atPath: data.directory) else {
            throw CommandError("\(data.directory) does not exist: nothing to restore over (copy the backup there with `tokend store backup --data \(backup) --to \(data.directory)`)")
        }
        // Held to the end: workers that start meanwhile wait (their store answers 503).
        let workers = try Self.holdWorkersLock(data)
        let backupHead = try BackupCheck.verify(backup, settings: settings)
        let aside = try StoreRestore.replace(data.directory, with: backup, stamp: Self.stamp())
        print("moved \(data.directory) aside to \(aside) (kept; delete it yourself when you no longer need it)")
        print("restored \(backup) into \(data.directory)")
        let report = try RevokedSinceBackup.find(aside: aside, backupHead: backupHead, settings: settings)
        for line in report.lines { print(line) }
        if revokeAgain {
            for line in try report.revokeAgain(in: settings) { print(line) }
        } else if !report.stillActive.isEmpty {
            print("the backup holds these as active: revoke them again before the workers start (or restore with --revoke-again):")
            for credential in report.stillActive { print("  " + RevokedSinceBackup.revokeCommand(credential, data: data.directory)) }
        }
        withExtendedLifetime(workers) {}
    }

    /// The workers' lock of `data`, exclusively; refuses, naming the workers, while they serve.
    static func holdWorkersLock(_ data: StoreLayout) throws -> WorkerPresence {
        switch try WorkerPresence.exclusive(in: data) {
        case .success(let held):
            return held
        case .failure(let holders):
            let pids = holders.pids.isEmpty ? "" : " (PIDs \(holders.pids.map(String.init).joined(separator: ", ")))"
            throw CommandError(
                "workers are serving from \(data.directory)\(pids): stop them first (systemd: systemctl stop tokend.socket "
                    + "tokend.service; spawn-fcgi: deploy/spawn-fcgi/tokend-spawn stop; Apache: apachectl graceful-stop), then restore")
        }
    }

    /// `20261207T031500Z`: the time of the restore, for the name of the directory moved aside.
    static func stamp() -> String {
        let iso = Clock.system.now().iso8601
        return String(iso.prefix(19)).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "") + "Z"
    }
}
