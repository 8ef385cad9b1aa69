import ArgumentParser
import TokenCore

#if canImport(Glibc)
import Glibc
#endif

/// `tokend user password --user NAME`: sets a user's password offline, read from standard input
/// (one line), never from the command line, where `ps` and shell history would show it.
struct SetUserPassword: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password",
        abstract: "Set a user's password, read from standard input (one line); their browser sessions end.",
        discussion: """
            GitLab's rules apply: 8 to 128 characters. The password is stored as a bcrypt hash, as GitLab stores it; the user's sessions in the web pages end, and a lock from failed sign-ins lifts. Audited as user_password_updated.

            Example:
              printf '%s\\n' "$NEW_PASSWORD" | tokend user password --data ./var --user alice
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("A username or a numeric id.", valueName: "name-or-id"))
    var user: String

    /// Bytes of standard input read at most: a line past this is refused as too long anyway.
    static let maximumInputBytes = 4096

    func run() throws {
        guard let password = Self.readLine(limit: Self.maximumInputBytes) else {
            throw ValidationError("expected the new password on standard input, one line")
        }
        if let error = PasswordRules.check(password) { throw ValidationError(error.sentence) }
        let hash = PasswordHasher.standard.hash(password)
        let reference = user
        try store.openStore().auditedWrite { state throws in
            guard let found = UserDirectory.find(reference, in: state) else { throw ValidationError("no user \(reference)") }
            guard !found.isBotUserType else { throw ValidationError("\(found.username) is a bot or a service account: they cannot sign in") }
            try UserDirectory.setPassword(hash: hash, for: found.id, in: &state)
        }
    }

    /// The first line of standard input without its line ending; nil when there is none. At
    /// most `limit` bytes are read (a longer line is returned cut, and refused as too long).
    static func readLine(limit: Int) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count <= limit {
            let count = read(0, &byte, 1)
            if count < 0, errno == EINTR { continue }
            guard count == 1 else { break }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes[...], as: UTF8.self) }
            bytes.append(byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
