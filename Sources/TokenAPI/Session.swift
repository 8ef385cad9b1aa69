import HTTPTypes
import Logging
import Synchronization
import TokenCore

/// The authenticated side of one request's store transaction.
///
/// GitLab records a token's use (`last_used_at`, `last_used_ips`, throttled) as it
/// authenticates. tokend folds that update into the request's own write, together with a fresh
/// check of the credential, so a mutating request costs one durable write (a rotation is one
/// `fdatasync`) and a token revoked by a concurrent request cannot slip between authentication
/// and the change. A request that writes nothing records the use on its own.
final class Session: Sendable {
    let credential: Credential
    /// The user the request acts as (the `Sudo` target, or the token's owner).
    let actor: UserID
    let address: String?
    let now: Timestamp
    /// Who and where, as the request's audit lines name them.
    let audit: AuditContext
    let settings: InstanceSettings
    /// A rotate endpoint: a credential found revoked inside the write is a reuse, and revokes
    /// its family.
    let detectsReuse: Bool
    private let usageRecorded = Mutex(false)

    init(
        credential: Credential, actor: User, address: String?, requestID: String?, now: Timestamp, settings: InstanceSettings,
        detectsReuse: Bool
    ) {
        self.credential = credential
        self.actor = actor.id
        self.address = address
        self.now = now
        self.settings = settings
        self.detectsReuse = detectsReuse
        audit = AuditContext(
            actor: AuditActor(
                userID: actor.id, name: actor.name, sudoer: actor.id == credential.user.id ? nil : credential.user.id,
                impersonation: credential.token.impersonation, tokenID: credential.token.id),
            ipAddress: address, requestID: requestID, time: now)
    }

    /// Runs `body` in one transaction after checking the credential again and recording its use;
    /// the audit events of what it changed are recorded in the same transaction.
    func write<T>(in repository: any TokenRepository, _ body: (inout StoreState) throws -> T) throws -> T {
        let outcome = try repository.write { state throws -> SessionOutcome<T> in
            if let refusal = check(in: &state) { return .refused(refusal) }
            record(in: &state)
            let result = try body(&state)
            AuditTrail.record(audit, in: &state)
            return .done(result)
        }
        switch outcome {
        case .done(let result):
            usageRecorded.withLock { $0 = true }
            return result
        case .refused(let failure):
            throw failure
        }
    }

    /// The credential as it stands inside the transaction: still valid, owner not blocked, the
    /// acting user still there. A revoked token on a rotate endpoint revokes its family here
    /// (kept: the refusal commits).
    private func check(in state: inout StoreState) -> AuthenticationFailure? {
        guard let token = state.token(credential.token.id) else { return .unknownToken }
        switch Authentication.validate(token, in: state, now: now) {
        case .failure(.revoked):
            if detectsReuse { Self.revokeFamily(of: token, in: &state, context: audit) }
            return .revoked
        case .failure(let failure):
            return failure
        case .success(let current):
            if let failure = Authentication.checkUser(current, settings: settings) { return failure }
            return state.user(actor) == nil ? .unknownToken : nil
        }
    }

    private func record(in state: inout StoreState) {
        guard let token = state.token(credential.token.id),
            let updated = Authentication.usageUpdate(of: token, from: address, now: now)
        else { return }
        state.put(updated)
    }

    /// Records the use in a write of its own when no transaction of the request did: before the
    /// handler of a read (so `GET …/self` shows it), after one that wrote nothing or failed.
    /// Best effort, as GitLab's LastUsedService: when the store refuses, the request goes on.
    /// Returns the credential as recorded. `logger` is the application's: the line names the
    /// request's id.
    @discardableResult
    func recordUseIfPending(in repository: any TokenRepository, metrics: RequestMetrics, logger: Logger) -> Credential {
        guard !usageRecorded.withLock({ $0 }),
            Authentication.usageUpdate(of: credential.token, from: address, now: now) != nil
        else { return credential }
        do {
            let updated = try repository.write { state -> AccessToken? in
                record(in: &state)
                return state.token(credential.token.id)
            }
            usageRecorded.withLock { $0 = true }
            return Credential(token: updated ?? credential.token, user: credential.user)
        } catch {
            metrics.recordWriteFailure()
            logger.forRequest(audit.requestID).warning("could not record token use", metadata: ["error": "\(error)"])
            return credential
        }
    }
}

extension Session {
    /// Reuse detection's change and its audit line: the still-active descendants of `token`
    /// revoked, in one transaction.
    static func revokeFamily(of token: AccessToken, in state: inout StoreState, context: AuditContext) {
        let family = Authentication.reuseRevocations(for: token, in: state, now: context.time).map(\.id)
        state.revokeDescendants(of: token, at: context.time)
        let (entity, target, reference) = AuditTrail.describe(token, in: state)
        state.recordAudit(context.event(.tokenReuseDetected, entity: entity, target: target, token: reference, relatedTokens: family))
    }
}

/// What a session's transaction came to: the body's result, or a refusal of the credential
/// that still commits (a family revoked by reuse detection).
private enum SessionOutcome<T> {
    case done(T)
    case refused(AuthenticationFailure)
}
