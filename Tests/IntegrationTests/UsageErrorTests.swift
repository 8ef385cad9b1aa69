import Testing

/// Mistyped commands and options are named with the nearest valid spelling and the command's
/// own help, instead of argument-parser's readings (`tokend tokne list` as arguments of `serve`,
/// `--scope` as `--scopes` missing). Exit status 64, as for every usage error.
@Suite(.timeLimit(.minutes(20)))
struct UsageErrorTests {
    @Test(arguments: [
        (["tokne", "list"], "Error: unknown command 'tokne'; did you mean 'token'?", "See 'tokend --help' for the commands."),
        (["token", "craete"], "Error: unknown command 'tokend token craete'; did you mean 'create'?", "See 'tokend token --help'"),
        (
            ["token", "create", "--user", "root", "--name", "x", "--scope", "api"],
            "Error: unknown option '--scope'; did you mean '--scopes'?", "See 'tokend token create --help' for its options."
        ),
        (["serve", "--thread", "3"], "Error: unknown option '--thread'; did you mean '--threads'?", "See 'tokend serve --help'"),
        (["--thread=3"], "Error: unknown option '--thread'; did you mean '--threads'?", "See 'tokend serve --help'"),
        (["store", "import", "--frm", "x"], "Error: unknown option '--frm'; did you mean '--from'?", "tokend store import --help"),
    ])
    func aMistypeIsNamedWithTheNearestSpelling(arguments: [String], message: String, help: String) throws {
        let result = try LiveServer.run(LiveServer.binaryPath, arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message) && result.stderr.contains(help), "\(result.stderr)")
        #expect(!result.stderr.contains("Usage: tokend serve") || arguments.first == "serve" || arguments.first == "--thread=3")
    }

    /// Valid spellings still reach argument-parser: on/off settings in both forms, `help`,
    /// `--version`, options after `--`.
    @Test func validSpellingsPass() throws {
        #expect(try LiveServer.run(LiveServer.binaryPath, ["--version"]).status == 0)
        #expect(try LiveServer.run(LiveServer.binaryPath, ["help", "token"]).status == 0)
        #expect(try LiveServer.run(LiveServer.binaryPath, ["token", "list", "--help"]).status == 0)
        let check = try LiveServer.run(LiveServer.binaryPath, ["config", "check", "--no-require-expiry", "--data", "/nonexistent-tokend"])
        #expect(!check.stderr.contains("unknown option"), "\(check.stderr)")
    }
}
