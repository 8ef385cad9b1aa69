import ArgumentParser
import TokenCore
import TokenStore
import TokendSettings

struct SeedStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Add N real tokens in bulk (for benchmarks): digests and all, written as a new snapshot.",
        discussion: """
            Creates the user `seed` if needed and gives it N tokens with random values, each stored \
            as its keyed digest exactly as the API would store it. Much faster than N API calls: \
            the records go straight into a new snapshot generation. Prints nothing but a summary.

            Example:
              tokend store seed --data ./bench-var --tokens 100000
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "How many tokens to add.")
    var tokens: Int

    func validate() throws {
        guard tokens >= 1 else { throw ValidationError("--tokens must be at least 1") }
    }

    func run() throws {
        let settings = try store.settings()
        let repository = try settings.openStore()
        let secret = try repository.loadSecret()
        let clock = Clock.system
        let generator = TokenGenerator(prefix: InstanceSettings.default.tokenPrefix, random: .system)
        let count = tokens
        let expiry = clock.now().date.adding(days: 365)
        try repository.replaceAll(secret: nil) { state in
            let owner: User
            if let existing = state.user(username: "seed") {
                owner = existing
            } else {
                owner = User(id: state.allocateUserID(), username: "seed", name: "Seed", email: "seed@example.com", createdAt: clock.now())
                state.put(owner)
            }
            let now = clock.now()
            for i in 0..<count {
                let plaintext = generator.next()
                state.put(AccessToken(
                    id: state.allocateTokenID(), userID: owner.id, name: "seed-\(i)", scopes: ["api"], expiresAt: expiry,
                    createdAt: now, digest: secret.digest(of: plaintext)))
            }
        }
        let total = try repository.read { $0.tokens.count }
        print("seeded \(count) tokens: \(total) tokens in the store")
    }
}
