/// What a write records besides the body's own changes, inside the same transaction: the audit
/// events of what it changed (``AuditTrail``), and for a request made with a token, a fresh
/// check of that token and its use (GitLab's LastUsedService). One value, so no call site
/// records either by hand.
public struct WriteRecording: Sendable {
    /// Who and where, as the transaction's audit lines name them; nil records no audit event.
    public var audit: AuditContext?
    /// The token the request authenticated with, checked again and its use recorded.
    public var credential: CredentialUse?
    /// For a request from a signed-in browser: its session, checked again (still there, within
    /// its timeouts, its user active) before the body runs.
    public var webSession: WebSessionUse?

    public init(audit: AuditContext? = nil, credential: CredentialUse? = nil, webSession: WebSessionUse? = nil) {
        self.audit = audit
        self.credential = credential
        self.webSession = webSession
    }

    /// Records nothing: maintenance, bulk loads, writes that carry their own events.
    public static let none = WriteRecording()

    /// The audit events of what the write changed, in `context`'s name.
    public static func audited(_ context: AuditContext) -> WriteRecording { WriteRecording(audit: context) }
}

/// A token used by a request, as a write sees it again inside its transaction.
public struct CredentialUse: Sendable {
    public var tokenID: TokenID
    /// The user the request acts as (the `Sudo` target, or the token's owner).
    public var actor: UserID
    public var address: String?
    public var now: Timestamp
    public var settings: InstanceSettings
    /// Check the token again before the body runs (a request's own write). False records the
    /// use alone (a read's use, recorded in a write of its own).
    public var revalidates: Bool
    /// A rotate endpoint: a token found revoked inside the write is a reuse and revokes its
    /// family (kept: the refusal commits).
    public var detectsReuse: Bool

    public init(
        tokenID: TokenID, actor: UserID, address: String?, now: Timestamp, settings: InstanceSettings, revalidates: Bool = true,
        detectsReuse: Bool = false
    ) {
        self.tokenID = tokenID
        self.actor = actor
        self.address = address
        self.now = now
        self.settings = settings
        self.revalidates = revalidates
        self.detectsReuse = detectsReuse
    }

    /// The credential as it stands inside the transaction: still valid, owner not blocked, the
    /// acting user still there. A revoked token on a rotate endpoint revokes its family here.
    func check(in state: inout StoreState, audit: AuditContext?) -> AuthenticationFailure? {
        guard revalidates else { return nil }
        guard let token = state.token(tokenID) else { return .unknownToken }
        switch Authentication.validate(token, in: state, now: now) {
        case .failure(.revoked):
            if detectsReuse { Self.revokeFamily(of: token, in: &state, context: audit ?? AuditContext(actor: .anonymous, time: now)) }
            return .revoked
        case .failure(let failure):
            return failure
        case .success(let current):
            if let failure = Authentication.checkUser(current, settings: settings) { return failure }
            return state.user(actor) == nil ? .unknownToken : nil
        }
    }

    /// Records the use, when GitLab's throttle says it changes anything.
    func record(in state: inout StoreState) {
        guard let token = state.token(tokenID), let updated = Authentication.usageUpdate(of: token, from: address, now: now) else { return }
        state.put(updated)
    }

    /// Reuse detection's change and its audit line: the still-active descendants of `token`
    /// revoked, in one transaction.
    public static func revokeFamily(of token: AccessToken, in state: inout StoreState, context: AuditContext) {
        let family = Authentication.reuseRevocations(for: token, in: state, now: context.time).map(\.id)
        state.revokeDescendants(of: token, at: context.time)
        let (entity, target, reference) = AuditTrail.describe(token, in: state)
        state.recordAudit(context.event(.tokenReuseDetected, entity: entity, target: target, token: reference, relatedTokens: family))
    }
}
