import ArgumentParser

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
        version: releaseVersion,
        subcommands: [
            Serve.self, Initialize.self, UserCommand.self, TokenCommand.self, GroupCommand.self, ProjectCommand.self,
            MemberCommand.self, DeployTokenCommand.self, StoreCommand.self, AuditCommand.self, NotifyCommand.self, ConfigCommand.self,
        ],
        defaultSubcommand: Serve.self
    )
}
