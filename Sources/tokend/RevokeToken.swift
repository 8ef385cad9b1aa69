#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import TokenCore
import TokenStore
import TokendSettings

struct RevokeToken: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token by its id, or by its value (a leaked token).",
        discussion: """
            With --value, tokend computes the value's keyed digest under the store's secret and \
            revokes the token stored under that digest; the value itself is never printed, \
            logged or stored. Give `--value -` to read it from standard input, which keeps it \
            out of the shell history and the process list. Prints the id, name and owner of the \
            token revoked. Workers see the revocation on their next request.

            Examples:
              tokend token revoke --data /var/lib/tokend --id 42
              printf '%s\\n' "$LEAKED" | tokend token revoke --data /var/lib/tokend --value -
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The token's id (tokend token list shows it).", valueName: "id"))
    var id: Int?

    @Option(help: ArgumentHelp("The token's value, or - to read it from standard input.", valueName: "token"))
    var value: String?

    func validate() throws {
        guard (id == nil) != (value == nil) else { throw ValidationError("give exactly one of --id and --value") }
        if let id, id < 1 { throw ValidationError("--id must be a positive number") }
        if let value, value.isEmpty { throw ValidationError("--value takes the token, or - to read it from standard input") }
    }

    func run() throws {
        let settings = try store.settings()
        let repository = try settings.openStore()
        let secret = try repository.loadSecret()
        let digest: TokenDigest?
        if let value {
            let plaintext = value == "-" ? Self.readStandardInput() : value
            guard !plaintext.isEmpty else { throw CommandError("standard input held no token") }
            digest = secret.digest(of: plaintext)
        } else {
            digest = nil
        }
        let issuer = TokenIssuer(secret: secret, random: .system, clock: Clock.system, settings: .default)
        let wanted = id.map { TokenID($0) }
        let (token, owner, wasRevoked) = try repository.auditedWrite { state throws -> (AccessToken, String, Bool) in
            let found = wanted.flatMap { state.token($0) } ?? digest.flatMap { state.token(digest: $0) }
            guard let found else {
                throw CommandError(wanted.map { "no token with id \($0)" } ?? "no stored token has this value")
            }
            try issuer.revoke(found.id, in: &state)
            let owner = state.user(found.userID)?.username ?? String(found.userID.rawValue)
            return (found, owner, found.revoked)
        }
        let name = ListTokens.printable(token.name)
        print(wasRevoked
            ? "token \(token.id) (\(name), owner \(ListTokens.printable(owner))) was already revoked"
            : "revoked token \(token.id) (\(name), owner \(ListTokens.printable(owner)))")
    }

    /// The first line of standard input, without its line end.
    static func readStandardInput() -> String {
        guard let line = readLine(strippingNewline: true) else { return "" }
        return String(line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
