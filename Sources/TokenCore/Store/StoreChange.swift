/// One change to the stored domain: the unit a store persists (a journal line) and replays.
///
/// Changes carry full record images, so replaying them is idempotent and the last image wins.
public enum StoreChange: Hashable, Sendable {
    case putUser(User)
    case deleteUser(UserID)
    case putToken(AccessToken)
    case putGroup(Group)
    case deleteGroup(GroupID)
    case putProject(Project)
    case deleteProject(ProjectID)
    case putMembership(Membership)
    case deleteMembership(Membership.Key)
    case putHook(Webhook)
    case deleteHook(HookID)
    case putNotice(ExpiryNotice)
    case deleteNotice(ExpiryNotice.Key)
    /// A signed-in browser's session (``WebSession``), by its digest.
    case putWebSession(WebSession)
    case deleteWebSession(TokenDigest)
    case putDeployToken(DeployToken)
    case deleteDeployToken(DeployTokenID)
    /// An audit event of the transaction: persisted with its changes (a journal line, a row
    /// of a database's audit table), never part of the state (``StoreState/apply(_:)``
    /// skips it). The file store also chains it into its audit files.
    case audit(AuditEvent)
}
