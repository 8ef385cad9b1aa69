/// GitLab's deploy token rules (`DeployToken` validations, `DeployTokens::CreateService`,
/// `read_deploy_token`/`create_deploy_token`/`destroy_deploy_token`), pure over the state.
public enum DeployTokenService {
    /// One of the record's validations, in GitLab's order.
    public enum Problem: Hashable, Sendable {
        /// No scope given (`Scopes can't be blank`).
        case scopesBlank
        case usernameTooLong
        /// A custom username outside `[a-zA-Z0-9.+_-]+`.
        case usernameInvalid
        case nameTooLong
    }

    /// A refusal by the record's validations: every problem found, in GitLab's order (its 400
    /// joins their messages, `full_messages.to_sentence`).
    public struct Failure: Error, Hashable, Sendable {
        public var problems: [Problem]

        /// GitLab's messages, joined as Rails' `to_sentence` joins them (`a and b`, `a, b, and c`).
        public var sentence: String {
            let messages = problems.map { problem in
                switch problem {
                case .scopesBlank: return "Scopes can't be blank"
                case .usernameTooLong: return "Username is too long (maximum is \(maximumLength) characters)"
                case .usernameInvalid: return "Username can contain only letters, digits, '_', '-', '+', and '.'"
                case .nameTooLong: return "Name is too long (maximum is \(maximumLength) characters)"
                }
            }
            switch messages.count {
            case 0, 1: return messages.first ?? ""
            case 2: return messages.joined(separator: " and ")
            default: return messages.dropLast().joined(separator: ", ") + ", and " + messages.last!
            }
        }
    }

    /// GitLab's length limit for `name` and `username`.
    public static let maximumLength = 255

    /// What a new deploy token is made of, as the request gave it.
    public struct Draft: Sendable {
        public var name: String
        public var username: String?
        public var scopes: [Scope]
        public var expiresAt: Timestamp?

        public init(name: String, username: String?, scopes: [Scope], expiresAt: Timestamp?) {
            self.name = name
            self.username = username
            self.scopes = scopes
            self.expiresAt = expiresAt
        }
    }

    /// Who may list and read a resource's deploy tokens: a project's Maintainers and Owners, a
    /// group's Maintainers and Owners, and administrators.
    public static func canRead(_ resource: Resource, by caller: Caller, state: borrowing StoreState, now: Timestamp) -> Bool {
        if caller.isAdmin { return true }
        return (AccessPolicy.accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess) >= .maintainer
    }

    /// Who may create and delete them: a project's Maintainers, a group's Owners, administrators.
    public static func canManage(_ resource: Resource, by caller: Caller, state: borrowing StoreState, now: Timestamp) -> Bool {
        AccessPolicy.canAdminister(resource, by: caller, state: state, now: now)
    }

    /// The scopes in GitLab's order, each once; the names must be ``DeployToken/availableScopes``
    /// (the API checks that before, with Grape's message).
    public static func ordered(_ scopes: [Scope]) -> [Scope] {
        DeployToken.availableScopes.filter { scopes.contains($0) }
    }

    /// GitLab's username format: letters, digits, `_`, `-`, `+` and `.`.
    public static func isValidUsername(_ username: String) -> Bool {
        !username.isEmpty && username.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default: return false
            }
        }
    }

    /// Creates a token of `resource` from `draft`, in GitLab's validation order; returns it and
    /// its plaintext (shown once; only its keyed digest is stored). The caller's right to create
    /// is checked by the API first (GitLab's `authorize!`), in the same transaction.
    public static func create(
        _ draft: Draft, for resource: Resource, by creator: UserID?, at now: Timestamp, generator: TokenGenerator, secret: TokenSecret,
        in state: inout StoreState
    ) throws(Failure) -> (token: DeployToken, plaintext: String) {
        let username = draft.username.flatMap { $0.isEmpty ? nil : $0 }
        let scopes = ordered(draft.scopes)
        var problems: [Problem] = []
        if scopes.isEmpty { problems.append(.scopesBlank) }
        if let username {
            if username.count > maximumLength { problems.append(.usernameTooLong) }
            if !isValidUsername(username) { problems.append(.usernameInvalid) }
        }
        if draft.name.count > maximumLength { problems.append(.nameTooLong) }
        guard problems.isEmpty else { throw Failure(problems: problems) }
        let plaintext = generator.next()
        let token = DeployToken(
            id: state.allocateDeployTokenID(), resource: resource, name: draft.name, customUsername: username,
            digest: secret.digest(of: plaintext), scopes: scopes, expiresAt: draft.expiresAt, createdAt: now, creatorID: creator)
        state.put(token)
        return (token, plaintext)
    }

    /// Revokes a token (GitLab's `DeployTokens::RevokeService`, the settings page's action): the
    /// record stays, marked revoked, so it no longer passes the gate. The caller's right to
    /// manage is checked by the page first, in the same transaction.
    public static func revoke(_ token: DeployToken, in state: inout StoreState) {
        guard !token.revoked else { return }
        var revoked = token
        revoked.revoked = true
        state.put(revoked)
    }
}
