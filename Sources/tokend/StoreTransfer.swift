#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import TokenCore
import TokenRecords
import TokenStore
import TokendSettings

struct ExportStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the whole store as JSON lines (to move it to another backend).",
        discussion: """
            A header line (format, next ids and the secret), then one line per user, group, \
            project, membership and token, each as the JSON store's snapshot writes it: tokens \
            only as keyed digests, never a value. The secret comes along so that the tokens keep \
            working where the export is imported: keep the file as private as a backup. Prints \
            the counts and a SHA-256 over the record lines on standard error; two stores holding \
            the same records give the same checksum, whatever their backend.

            Examples:
              tokend store export --data /var/lib/tokend --to tokend.jsonl
              TOKEND_STORE=postgres://tokend@db.internal/tokend tokend store export --to -
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The file to create (mode 0600; must not exist), or - for standard output.", valueName: "path"))
    var to: String

    func run() throws {
        let repository = try store.openStore()
        let (bytes, summary) = StoreExport.export(try repository.currentState(), secretHex: try repository.exportedSecret())
        if to == "-" {
            FileHandle.standardOutput.write(Data(bytes))
        } else {
            let fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw CommandError("cannot create \(to): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var written = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw CommandError("cannot write \(to): \(String(cString: strerror(errno)))") }
                written += n
            }
            guard fsync(fd) == 0 else { throw CommandError("cannot sync \(to): \(String(cString: strerror(errno)))") }
        }
        FileHandle.standardError.write(Data("exported \(summary)\n".utf8))
    }
}

struct ImportStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a `tokend store export` into this store (either backend), replacing its records.",
        discussion: """
            The store must hold no token yet: make it with `tokend init` first (its administrator \
            root is replaced by the export's users). Every record, id and digest, and the secret, \
            are written in one bulk write (a new snapshot; the tables replaced in one \
            transaction). Restart the workers afterwards: they read the secret when they start. \
            Prints the counts and the same SHA-256 as the export printed.

            Example, moving a JSON store into PostgreSQL:
              tokend store export --data /var/lib/tokend --to tokend.jsonl
              export TOKEND_STORE=postgres://tokend@db.internal:5432/tokend
              tokend init && tokend store import --from tokend.jsonl
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The export file, or - for standard input.", valueName: "path"))
    var from: String

    func run() throws {
        let data = from == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: from)
        guard let data else { throw CommandError("cannot read \(from)") }
        let contents: StoreExport.Contents
        do {
            contents = try StoreExport.parse(Array(data))
        } catch {
            throw CommandError("\(from): \(error)")
        }
        let repository = try store.openStore()
        try repository.replaceAll(secret: contents.secretHex) { state in
            do {
                try StoreExport.replace(&state, with: contents)
            } catch {
                throw CommandError("\(error)")
            }
        }
        let (_, summary) = StoreExport.export(try repository.currentState(), secretHex: contents.secretHex)
        guard summary == contents.summary else {
            throw CommandError("the store now holds \(summary), but the export held \(contents.summary)")
        }
        print("imported \(summary)")
    }
}
