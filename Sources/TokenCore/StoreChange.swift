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
}
