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

    /// What the request's own write records: the credential checked again and its use, and the
    /// audit events of what it changed.
    var recording: WriteRecording {
        WriteRecording(
            audit: audit,
            credential: CredentialUse(
                tokenID: credential.token.id, actor: actor, address: address, now: now, settings: settings, detectsReuse: detectsReuse))
    }

    /// Runs `body` in the request's one transaction (``recording``).
    func write<T>(in repository: any TokenRepository, _ body: (inout StoreState) throws -> T) throws -> T {
        let result = try repository.write(recording, body)
        usageRecorded.withLock { $0 = true }
        return result
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
            let use = CredentialUse(
                tokenID: credential.token.id, actor: actor, address: address, now: now, settings: settings, revalidates: false)
            let updated = try repository.write(WriteRecording(credential: use)) { state in state.token(credential.token.id) }
            usageRecorded.withLock { $0 = true }
            return Credential(token: updated ?? credential.token, user: credential.user)
        } catch {
            metrics.recordWriteFailure()
            logger.forRequest(audit.requestID).warning("could not record token use", metadata: ["error": "\(error)"])
            return credential
        }
    }
}
