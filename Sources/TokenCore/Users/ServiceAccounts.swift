/// GitLab's service accounts (EE's `Users::ServiceAccounts` and `Namespaces::ServiceAccounts`
/// services, without I/O): machine users created by an administrator for the instance, or by a
/// group's Owners (a project's Maintainers) for that group (project). Their tokens are personal
/// access tokens (``TokenIssuer``); deleting one is deleting a user (``UserDirectory``).
public enum ServiceAccounts {
    /// What a client may set; nil takes GitLab's default (create) or keeps the value (update).
    public struct Profile: Hashable, Sendable {
        public var name: String?
        public var username: String?
        public var email: String?

        public init(name: String? = nil, username: String? = nil, email: String? = nil) {
            self.name = name
            self.username = username
            self.email = email
        }
    }

    /// GitLab's `User::SERVICE_ACCOUNT_PREFIX`.
    public static let usernamePrefix = "service_account"

    /// Creates a service account. Without a username it is GitLab's
    /// `service_account[_group_<id>|_project_<id>]_<32 hex digits>`, without an e-mail address
    /// `<username>@noreply.<host>`, without a name "Service account user".
    public static func create(
        _ profile: Profile, provisionedBy resource: Resource?, host: String, random: RandomSource, at now: Timestamp,
        in state: inout StoreState
    ) throws(UserDirectory.Failure) -> User {
        var username = profile.username ?? ""
        if profile.username == nil {
            let prefix = resource.map { "\(usernamePrefix)_\($0.kind)_\($0.rawID)" } ?? usernamePrefix
            repeat {
                username = "\(prefix)_\(Hex.encode(random.bytes(16)))"
            } while state.user(username: username) != nil
        }
        let new = UserDirectory.NewUser(
            username: username, name: profile.name ?? "Service account user", email: profile.email ?? "\(username)@noreply.\(host)",
            isServiceAccount: true, provisionedBy: resource)
        return try UserDirectory.create(new, at: now, in: &state)
    }

    /// The service accounts a group or project provisioned (GitLab's `provisioned_users`), or
    /// with nil every service account of the instance; by ascending id.
    public static func list(provisionedBy resource: Resource?, in state: borrowing StoreState) -> [User] {
        state.allUsers().filter { $0.isServiceAccount && (resource == nil || $0.provisionedBy == resource) }
    }

    /// GitLab's `!can_be_removed?`: the user is the only Owner (bots aside) of some group.
    public static func isSoleOwner(_ id: UserID, in state: borrowing StoreState) -> Bool {
        state.resources.memberships(of: id).contains { membership in
            guard case .group = membership.resource, membership.accessLevel == .owner else { return false }
            return !state.resources.members(of: membership.resource).contains { other in
                other.userID != id && other.accessLevel == .owner && state.user(other.userID)?.isBot == false
            }
        }
    }
}
