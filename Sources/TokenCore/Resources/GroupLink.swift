/// A group shared with another group (GitLab's group link, `POST /groups/:id/share`): the
/// invited group's members get at most `accessLevel` in the sharing group, its subgroups and
/// its projects, until `expiresAt`. Stored inside the sharing group's record.
public struct GroupLink: Hashable, Sendable {
    /// The invited group (GitLab's `shared_with_group_id`).
    public var groupID: GroupID
    /// The most its members get (GitLab's `group_access`).
    public var accessLevel: AccessLevel
    public var expiresAt: CivilDate?

    public init(groupID: GroupID, accessLevel: AccessLevel, expiresAt: CivilDate? = nil) {
        self.groupID = groupID
        self.accessLevel = accessLevel
        self.expiresAt = expiresAt
    }

    /// An expired share grants nothing, as an expired membership.
    public func isActive(at now: Timestamp) -> Bool {
        guard let expiresAt else { return true }
        return expiresAt.startOfDay > now
    }
}
