import ArgumentParser
import TokenCore
import TokenStore

struct ListTokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the stored tokens: id, name, owner, scopes, state, expiry, last use.",
        discussion: """
            A header line, then one tab-separated line per token, by id: id, name, owner \
            (username), scopes (comma-separated), state (active, revoked or expired), expires_at \
            (YYYY-MM-DD, or - for none), last_used_at (ISO 8601 UTC, or - for never). Personal, \
            impersonation and project or group bot tokens are all listed. Never a token's value \
            or digest: the store keeps only keyed digests, and this command prints neither.

            Safe while workers run: it reads the files without taking the write lock.

            Example, finding a token to revoke:
              tokend token list --data /var/lib/tokend --user alice --state active
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Only this user's tokens: a username or a numeric id.", valueName: "name-or-id"))
    var user: String?

    @Option(help: ArgumentHelp("Only tokens in this state: active, revoked or expired.", valueName: "state"))
    var state: String?

    static let states = ["active", "revoked", "expired"]

    func validate() throws {
        if let user, user.isEmpty { throw ValidationError("--user takes a username or a numeric id") }
        if let state, !Self.states.contains(state) {
            throw ValidationError("--state must be one of \(Self.states.joined(separator: ", "))")
        }
    }

    func run() throws {
        let repository = try store.openStore()
        let now = Clock.system.now()
        let owner = user
        let rows = try repository.read { state throws -> [[String]] in
            let tokens: [AccessToken]
            if let owner {
                guard let found = UserDirectory.find(owner, in: state) else { throw CommandError("no user \(owner)") }
                tokens = state.tokens(ownedBy: found.id)
            } else {
                tokens = state.allTokens()
            }
            return tokens.sorted { $0.id < $1.id }.map { token in
                [
                    String(token.id.rawValue), Self.printable(token.name),
                    Self.printable(state.user(token.userID)?.username ?? String(token.userID.rawValue)),
                    Self.printable(token.scopes.map(\.rawValue).joined(separator: ",")), Self.state(of: token, at: now),
                    token.expiresAt?.iso8601 ?? "-", token.lastUsedAt?.iso8601 ?? "-",
                ]
            }
        }
        print(["id", "name", "owner", "scopes", "state", "expires_at", "last_used_at"].joined(separator: "\t"))
        for row in rows where self.state == nil || row[4] == self.state {
            print(row.joined(separator: "\t"))
        }
    }

    static func state(of token: AccessToken, at now: Timestamp) -> String {
        if token.revoked { return "revoked" }
        return token.isExpired(at: now) ? "expired" : "active"
    }

    /// The text with tabs, newlines and other control characters shown as `?`, so a name can
    /// neither break the columns nor send escape sequences to the terminal.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }
}
