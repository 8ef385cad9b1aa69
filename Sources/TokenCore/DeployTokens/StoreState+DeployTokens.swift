extension StoreState {
    public var deployTokens: DeployTokenIndex {
        _ = covers(.everything)
        return deployTokenRecords
    }

    public mutating func put(_ token: DeployToken) {
        let undo: StoreChange = deployTokenRecords.token(token.id).map { .putDeployToken($0) } ?? .deleteDeployToken(token.id)
        record(.putDeployToken(token), undoneBy: undo)
    }

    /// Destroys a deploy token (GitLab's API deletes the record).
    public mutating func deleteDeployToken(_ id: DeployTokenID) {
        guard let old = deployTokenRecords.token(id) else { return }
        record(.deleteDeployToken(id), undoneBy: .putDeployToken(old))
    }

    /// The project's or group's tokens that are gone with it (GitLab's foreign keys cascade).
    mutating func deleteDeployTokens(of resource: Resource) {
        for token in deployTokenRecords.tokens(of: resource) { deleteDeployToken(token.id) }
    }
}
