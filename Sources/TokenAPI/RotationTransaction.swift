import TokenCore

extension RequestContext {
    /// Runs a rotation in one transaction, after checking the credential again inside it.
    ///
    /// A concurrent request may have rotated the credential since this one authenticated. Then
    /// this request is a reuse, answered exactly as if it had come second: the family's live
    /// successors are revoked and the answer is 401 (GitLab's automatic reuse detection).
    /// Errors of `rotate` propagate unchanged for the endpoint to map.
    func rotateCheckingCredential(_ rotate: (inout StoreState) throws -> IssuedToken) throws -> IssuedToken {
        let credential = token.id
        let now = self.now
        enum Outcome { case rotated(IssuedToken), reused }
        let outcome = try repository.write { state throws -> Outcome in
            if let current = state.token(credential), current.revoked {
                for descendant in Authentication.reuseRevocations(for: current, in: state, now: now) {
                    var revoked = descendant
                    revoked.revoked = true
                    revoked.updatedAt = now
                    state.put(revoked)
                }
                return .reused
            }
            return .rotated(try rotate(&state))
        }
        guard case .rotated(let issued) = outcome else { throw HTTPError.tokenRevoked }
        return issued
    }
}
