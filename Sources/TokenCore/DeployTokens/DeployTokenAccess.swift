/// What a deploy token may pass at the forward-auth gate, pure: GitLab lets a deploy token
/// read or write repositories and registries of its own project, or of its group and the
/// projects and subgroups below it, for its scopes; nothing else. It never authenticates the
/// REST API (``Authentication`` knows only access tokens).
public enum DeployTokenAccess {
    /// The active deploy token `presented` names. With HTTP Basic, `username` must be the
    /// token's username (GitLab's `deploy_token_check`); a token sent alone (`Deploy-Token`)
    /// has none. Unknown, revoked and expired tokens fail as access tokens do.
    public static func lookup(
        _ presented: String, username: String?, secret: TokenSecret, in state: borrowing StoreState, now: Timestamp
    ) -> Result<DeployToken, AuthenticationFailure> {
        guard presented.hasPrefix(DeployToken.prefix) else { return .failure(.unknownToken) }
        let digest = secret.digest(of: presented)
        guard let token = state.deployTokens.token(digest: digest), token.digest.constantTimeEquals(digest) else {
            return .failure(.unknownToken)
        }
        if let username, username != token.username { return .failure(.unknownToken) }
        if token.revoked { return .failure(.revoked) }
        if token.isExpired(now: now) { return .failure(.expired) }
        return .success(token)
    }

    /// The gate's rule for a deploy token: the location must name scopes, all held by the
    /// token, and a project or group the token covers. A location that asks only for a valid
    /// token, or names no project or group, is refused: a deploy token is no one's identity.
    /// `min_access_level` does not apply: a deploy token's rights are its scopes.
    public static func check(_ token: DeployToken, against requirement: GateRequirement, in state: borrowing StoreState) -> GateRefusal? {
        guard !requirement.scopes.isEmpty, requirement.scopes.allSatisfy(token.scopes.contains) else {
            return .insufficientScope(required: requirement.scopes)
        }
        guard let rule = requirement.membership, let resource = GatePolicy.resource(rule, in: state),
            covers(token, resource, in: state)
        else { return .notAMember }
        return nil
    }

    /// Whether `token` reaches `resource`: its own project or group, or (a group's token) a
    /// project or subgroup below that group.
    public static func covers(_ token: DeployToken, _ resource: Resource, in state: borrowing StoreState) -> Bool {
        if token.resource == resource { return true }
        guard case .group(let holder) = token.resource else { return false }
        let group: GroupID
        switch resource {
        case .group(let id): group = id
        case .project(let id):
            guard case .group(let id)? = state.resources.project(id)?.namespace else { return false }
            group = id
        }
        return state.resources.lineage(of: group).contains { $0.id == holder }
    }
}

extension TokenIdentification {
    /// Whether `plaintext` is a deploy token value (GitLab's `gldt-`), which the token
    /// information API looks up among deploy tokens.
    public static func isDeployToken(_ plaintext: String) -> Bool { plaintext.hasPrefix(DeployToken.prefix) }

    /// The stored deploy token `plaintext` names, in any state (revoked and expired ones too).
    public static func findDeployToken(_ plaintext: String, secret: TokenSecret, in state: borrowing StoreState) -> Result<DeployToken, Failure> {
        let digest = secret.digest(of: plaintext)
        guard let token = state.deployTokens.token(digest: digest), token.digest.constantTimeEquals(digest) else {
            return .failure(.notFound)
        }
        return .success(token)
    }
}
