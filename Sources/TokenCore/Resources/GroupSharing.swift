/// Sharing a group with another group (`POST /groups/:id/share`, `DELETE
/// /groups/:id/share/:group_id`), with GitLab's rules (Groups::GroupLinks services).
public enum GroupSharing {
    public enum Failure: Error, Hashable, Sendable {
        /// The caller may not share this group or cannot see the other (GitLab: 404 "Not Found").
        case notPermitted
        /// Already shared with that group (409).
        case alreadyShared
        /// No share with that group (404 "Group Link Not Found").
        case linkNotFound
    }

    /// Owners of the group (`admin_group_member`) who can read the invited group, and admins.
    public static func share(
        _ id: GroupID, with invited: GroupID, accessLevel: AccessLevel, expiresAt: CivilDate?, by caller: Caller?,
        at now: Timestamp, in state: inout StoreState
    ) throws(Failure) -> Group {
        guard var group = state.resources.group(id) else { throw .notPermitted }
        if let caller {
            guard AccessPolicy.canAdminister(.group(id), by: caller, state: state, now: now),
                AccessPolicy.canRead(.group(invited), by: caller, state: state, now: now)
            else { throw .notPermitted }
        }
        guard state.resources.group(invited) != nil, invited != id else { throw .notPermitted }
        if group.sharedWith.contains(where: { $0.groupID == invited }) { throw .alreadyShared }
        group.sharedWith.append(GroupLink(groupID: invited, accessLevel: accessLevel, expiresAt: expiresAt))
        state.put(group)
        return group
    }

    /// Removes the share with `invited`. GitLab answers 204 whether or not the caller may
    /// (its destroy service refuses quietly), so a refusal here changes nothing and is no error.
    public static func unshare(_ id: GroupID, from invited: GroupID, by caller: Caller?, at now: Timestamp, in state: inout StoreState) throws(Failure) {
        guard var group = state.resources.group(id), group.sharedWith.contains(where: { $0.groupID == invited }) else { throw .linkNotFound }
        if let caller, !AccessPolicy.canAdminister(.group(id), by: caller, state: state, now: now) { return }
        group.sharedWith.removeAll { $0.groupID == invited }
        state.put(group)
    }
}
