extension StoreState {
    /// Removes a group record. Its subgroups, projects, members, bots and shares are the
    /// caller's to remove first (``ResourceRemoval``); a path left to a subgroup would dangle.
    public mutating func deleteGroup(_ id: GroupID) {
        guard let old = resources.group(id) else { return }
        record(.deleteGroup(id), undoneBy: .putGroup(old))
    }
}
