/// GitLab's Token information API (`/admin/token`, 17.5+) for the kinds tokend has: finds a
/// personal, impersonation, project or group access token by its plaintext, whatever its
/// state, and says which kind it is. Pure; the plaintext is only ever digested.
public enum TokenIdentification {
    public enum Failure: Error, Hashable, Sendable {
        /// Not a value of a kind tokend issues: another GitLab token type (`gldt-`, `glrt-`, …),
        /// or a prefix the instance used before (GitLab: "Token type not supported.", 422).
        case unsupportedType
        /// A supported value that matches no stored token (404).
        case notFound
    }

    /// The kinds of token tokend stores, as GitLab's docs name them.
    public enum Kind: String, Hashable, Sendable {
        case personal = "personal_access_token"
        case impersonation = "impersonation_token"
        case project = "project_access_token"
        case group = "group_access_token"
    }

    /// GitLab's default `personal_access_token_prefix`, accepted besides the current one.
    public static let defaultPrefix = "glpat-"

    /// Whether `plaintext` is of a kind tokend issues: it starts with the instance's current
    /// prefix or GitLab's default one. An empty prefix counts for nothing, as in GitLab.
    public static func isSupported(_ plaintext: String, settings: InstanceSettings) -> Bool {
        if !settings.tokenPrefix.isEmpty, plaintext.hasPrefix(settings.tokenPrefix) { return true }
        return plaintext.hasPrefix(defaultPrefix)
    }

    /// The stored token `plaintext` names, in any state (revoked and expired ones too).
    public static func find(
        _ plaintext: String, secret: TokenSecret, settings: InstanceSettings, in state: borrowing StoreState
    ) -> Result<AccessToken, Failure> {
        guard isSupported(plaintext, settings: settings) else { return .failure(.unsupportedType) }
        let digest = secret.digest(of: plaintext)
        guard let token = state.token(digest: digest), token.digest.constantTimeEquals(digest) else {
            return .failure(.notFound)
        }
        return .success(token)
    }

    /// Which kind `token` is: its owner's bot resource decides between project and group tokens.
    public static func kind(of token: AccessToken, in state: borrowing StoreState) -> Kind {
        if token.impersonation { return .impersonation }
        switch state.user(token.userID)?.botResource {
        case .project?: return .project
        case .group?: return .group
        case nil: return .personal
        }
    }
}
