import ArgumentParser
import Foundation
import TokenCore
import TokenStore
import TokendSettings

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage tokens offline, on the store of --data or --store.",
        subcommands: [CreateToken.self, ListTokens.self, RevokeToken.self]
    )
}

struct CreateToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a personal access token and print it (alone, on stdout).",
        discussion: """
            The token is shown once: only its keyed digest is stored.

            Example:
              TOKEN=$(tokend token create --data ./var --user root --name ci --scopes api,read_user)
              curl -H "PRIVATE-TOKEN: $TOKEN" http://127.0.0.1:8080/api/v4/user
            """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var tokens: TokenOptions
    @OptionGroup var links: LinkOptions

    @Option(help: ArgumentHelp("The owner: a username or a numeric id.", valueName: "name-or-id"))
    var user: String

    @Option(help: "The token's name.")
    var name: String

    @Option(help: ArgumentHelp("Comma-separated scopes, e.g. api,read_user.", valueName: "scopes"))
    var scopes: String

    @Option(help: ArgumentHelp("Expiry date, YYYY-MM-DD (default: the maximum lifetime, if expiry is required).", valueName: "date"))
    var expiresAt: String?

    @Option(help: "A description.")
    var description: String?

    func validate() throws {
        if let expiresAt, CivilDate(iso8601: expiresAt) == nil {
            throw ValidationError("--expires-at takes a date as YYYY-MM-DD")
        }
        // The API answers GitLab's "can only contain available scopes"; a person at a terminal
        // is told which one and what the choices are.
        if let unknown = ValidationError.unknownScopes(requestedScopes, among: Scope.all) { throw unknown }
    }

    /// `--scopes`, split at commas.
    var requestedScopes: [Scope] {
        scopes.split(separator: ",").map { Scope(String($0).trimmingCharacters(in: .whitespaces)) }
    }

    func run() throws {
        let settings = try store.settings(tokens.flags, links.flags)
        let repository = try settings.openStore()
        let issuer = TokenIssuer(
            secret: try repository.loadSecret(), random: .system, clock: Clock.system,
            settings: settings.instance)
        let request = TokenRequest(
            name: name, description: description,
            scopes: requestedScopes,
            expiresAt: expiresAt.flatMap(CivilDate.init(iso8601:)) ?? issuer.defaultExpiry)
        let owner = user
        let issued = try repository.auditedWrite { state throws -> IssuedToken in
            let found = UserDirectory.find(owner, in: state)
            guard let found else { throw ValidationError("no user \(owner)") }
            do {
                return try issuer.create(request, for: found, in: &state)
            } catch TokenError.invalid(let errors) {
                throw ValidationError(errors.map(\.sentence).joined(separator: "; "))
            } catch {
                throw ValidationError("\(error)")
            }
        }
        print(issued.plaintext)
    }
}

extension ValidationError {
    /// `--scopes` naming scopes outside `allowed`: which ones, and what the choices are; nil
    /// when every one is allowed.
    static func unknownScopes(_ requested: [Scope], among allowed: [Scope]) -> ValidationError? {
        let unknown = requested.filter { !allowed.contains($0) }
        guard !unknown.isEmpty else { return nil }
        return ValidationError(
            "unknown scope\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0.rawValue)'" }.joined(separator: ", ")); "
                + "the scopes are: \(allowed.map(\.rawValue).joined(separator: ", "))")
    }
}
