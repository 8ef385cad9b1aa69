import ArgumentParser
import Foundation
import TokenCore
import TokenStore

struct DeployTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy-token",
        abstract: "Manage deploy tokens offline (what /projects/:id/deploy_tokens does, for bootstrapping).",
        subcommands: [CreateDeployToken.self, ListDeployTokens.self, DeleteDeployToken.self]
    )
}

struct CreateDeployToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a project's or group's deploy token and print it (alone, on stdout).",
        discussion: """
            The token is shown once: only its keyed digest is stored. Scopes: read_repository, \
            read_registry, write_registry, read_package_registry, write_package_registry, \
            read_virtual_registry, write_virtual_registry.

            Example:
              tokend deploy-token create --project acme/web --name pull --scopes read_registry
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var resource: ResourceOptions

    @Option(help: "The token's name.")
    var name: String

    @Option(help: ArgumentHelp("Comma-separated scopes, e.g. read_registry,read_repository.", valueName: "scopes"))
    var scopes: String

    @Option(help: "The username (default: gitlab+deploy-token-<id>).")
    var username: String?

    @Option(help: ArgumentHelp("Expiry date, YYYY-MM-DD (default: never).", valueName: "date"))
    var expiresAt: String?

    func validate() throws {
        if let expiresAt, CivilDate(iso8601: expiresAt) == nil { throw ValidationError("--expires-at takes a date as YYYY-MM-DD") }
        if let unknown = ValidationError.unknownScopes(scopeList, among: DeployToken.availableScopes) { throw unknown }
    }

    var scopeList: [Scope] { scopes.split(separator: ",").map { Scope(String($0).trimmingCharacters(in: .whitespaces)) } }

    func run() throws {
        let repository = try store.openStore()
        let secret = try repository.loadSecret()
        let draft = DeployTokenService.Draft(
            name: name, username: username, scopes: scopeList, expiresAt: expiresAt.flatMap(CivilDate.init(iso8601:))?.startOfDay)
        let (options, now) = (self.resource, Clock.system.now())
        let generator = TokenGenerator(prefix: DeployToken.prefix, random: .system)
        let created = try repository.auditedWrite { state throws -> (token: DeployToken, plaintext: String) in
            let resource = try options.find(in: state)
            do throws(DeployTokenService.Failure) {
                return try DeployTokenService.create(draft, for: resource, by: nil, at: now, generator: generator, secret: secret, in: &state)
            } catch {
                throw ValidationError(error.sentence)
            }
        }
        print(created.plaintext)
    }
}

struct ListDeployTokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the deploy tokens: id, project or group, name, username, scopes, state, expiry.",
        discussion: """
            A header line, then one tab-separated line per token, by id: id, holder (project:PATH \
            or group:PATH), name, username, scopes (comma-separated), state (active, revoked or \
            expired), expires_at (ISO 8601 UTC, or - for never). Never a token's value or digest.

            Example:
              tokend deploy-token list --data /var/lib/tokend
            """
    )

    @OptionGroup var store: StoreOptions

    func run() throws {
        let now = Clock.system.now()
        let lines = try store.openStore().read { state in
            state.deployTokens.all().map { token in
                let holder = "\(token.resource.kind):" + (state.resources.fullPath(of: token.resource) ?? "?")
                let status = token.revoked ? "revoked" : token.isExpired(now: now) ? "expired" : "active"
                return [
                    String(token.id.rawValue), holder, token.name, token.username, token.scopes.map(\.rawValue).joined(separator: ","),
                    status, token.expiresAt?.iso8601 ?? "-",
                ].joined(separator: "\t")
            }
        }
        print(["id", "holder", "name", "username", "scopes", "state", "expires_at"].joined(separator: "\t"))
        for line in lines { print(line) }
    }
}

struct DeleteDeployToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a deploy token by id (as DELETE /projects/:id/deploy_tokens/:token_id does).",
        discussion: """
            Example:
              tokend deploy-token delete --data ./var --id 3
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The deploy token's id.")
    var id: Int

    func run() throws {
        let id = DeployTokenID(self.id)
        try store.openStore().auditedWrite { state throws in
            guard state.deployTokens.token(id) != nil else { throw ValidationError("no deploy token \(id.rawValue)") }
            state.deleteDeployToken(id)
        }
    }
}
