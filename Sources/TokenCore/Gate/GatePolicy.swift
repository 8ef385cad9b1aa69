/// What a location guarded by the forward-auth gate (`GET /-/auth…`) asks of a token, beyond
/// being valid: scopes it must hold, and optionally membership of one project or group.
public struct GateRequirement: Hashable, Sendable {
    /// Membership of a project or group, at a level or above.
    public struct Membership: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable {
            case project
            case group
        }

        public var kind: Kind
        /// The project or group: its full path (`acme/web`) or its id.
        public var reference: String
        public var minimum: AccessLevel

        public init(kind: Kind, reference: String, minimum: AccessLevel) {
            self.kind = kind
            self.reference = reference
            self.minimum = minimum
        }
    }

    /// Every one of these must be held, by name: the gate requires what it says (`api` does not
    /// stand in for `write_repository`).
    public var scopes: [Scope]
    public var membership: Membership?

    public init(scopes: [Scope] = [], membership: Membership? = nil) {
        self.scopes = scopes
        self.membership = membership
    }
}

/// Why the gate refuses a valid token (a missing, unknown, expired or revoked token, and a
/// blocked owner, are ``AuthenticationFailure``s, as on the API).
public enum GateRefusal: Error, Hashable, Sendable {
    /// The token lacks one of the required scopes; `required` lists them all, as
    /// insufficient_scope names an endpoint's scopes.
    case insufficientScope(required: [Scope])
    /// The owner is not a member of the required project or group at the level asked, or that
    /// project or group does not exist (the gate does not tell the two apart).
    case notAMember
}

/// The gate's rules, pure: run on a credential that ``Authentication`` has already found valid.
public enum GatePolicy {
    /// The scope check: nil when the token holds every required scope.
    public static func checkScopes(of token: AccessToken, against requirement: GateRequirement) -> GateRefusal? {
        checkScopes(of: token.scopes, against: requirement)
    }

    /// What a signed-in browser's session stands for at the gate: a token with `api`.
    public static let sessionScopes: [Scope] = [.api]

    /// The scope check on a list of scopes held: nil when every required one is among them.
    public static func checkScopes(of held: [Scope], against requirement: GateRequirement) -> GateRefusal? {
        for scope in requirement.scopes where !held.contains(scope) {
            return .insufficientScope(required: requirement.scopes)
        }
        return nil
    }

    /// The membership check: nil when there is no membership rule, or `user` holds at least the
    /// level asked in that project or group (directly or inherited from ancestor groups; a bot
    /// through its own membership). Admins are members like anyone else: no implicit pass.
    public static func checkMembership(
        of user: UserID, against requirement: GateRequirement, in state: borrowing StoreState, now: Timestamp
    ) -> GateRefusal? {
        guard let rule = requirement.membership else { return nil }
        guard let resource = resource(rule, in: state),
            let level = AccessPolicy.accessLevel(of: user, in: resource, state: state, now: now), level >= rule.minimum
        else { return .notAMember }
        return nil
    }

    /// The project or group a rule names, by id or full path; nil when there is none of that kind.
    static func resource(_ rule: GateRequirement.Membership, in state: borrowing StoreState) -> Resource? {
        if let number = Int(rule.reference) {
            switch rule.kind {
            case .project: return state.resources.project(ProjectID(number)).map { .project($0.id) }
            case .group: return state.resources.group(GroupID(number)).map { .group($0.id) }
            }
        }
        switch (rule.kind, state.resources.resource(atPath: rule.reference)) {
        case (.project, .project(let id)?): return .project(id)
        case (.group, .group(let id)?): return .group(id)
        default: return nil
        }
    }
}
