import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

@main
struct Tokend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokend",
        abstract: "A GitLab-compatible access-token service (FastCGI worker and admin CLI).",
        discussion: """
            tokend answers GitLab's /api/v4 token endpoints (personal, impersonation, project and \
            group access tokens) behind nginx or Apache, and keeps its data in a file-locked JSON \
            store in one directory, or, for several hosts, in PostgreSQL: `--store \
            postgres://user@host:port/db` (TOKEND_STORE), which every command honours.

            Every setting of `serve` can also come from the environment: `--data` is TOKEND_DATA, \
            `--token-prefix` is TOKEND_TOKEN_PREFIX, and so on (TOKEND_ + the flag in upper case, \
            '-' as '_'). A flag beats the variable.

            Quick start:
              tokend init --data ./var
              TOKEN=$(tokend token create --data ./var --user root --name cli --scopes api)
              tokend serve --data ./var --socket /tmp/tokend.sock
            """,
        version: "\(releaseVersion) (commit \(buildCommit))",
        subcommands: [
            Serve.self, Initialize.self, UserCommand.self, TokenCommand.self, GroupCommand.self, ProjectCommand.self,
            MemberCommand.self, DeployTokenCommand.self, StoreCommand.self, AuditCommand.self, NotifyCommand.self, ConfigCommand.self,
        ],
        defaultSubcommand: Serve.self
    )

    /// argument-parser's entry point, after ``UsageErrors`` has looked for a mistyped command
    /// or option (exit 64, as argument-parser's own usage errors).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = UsageErrors.message(for: arguments) {
            var line = Array("Error: \(message)\n".utf8)
            _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
            Glibc.exit(64)
        }
        main(arguments)
    }
}
