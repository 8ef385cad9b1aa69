extension StoreState {
    /// The one transaction of every write, on every backend: begin; check the request's token
    /// again and record its use; run `body`; record the audit events of what it changed; then
    /// persist through `storage` and commit, or roll everything back if anything throws. When
    /// `storage` answers that another writer came first, the transaction is rolled back, caught
    /// up and run again (at most ``TransactionStorage/maximumAttempts`` times).
    ///
    /// A token found invalid inside the transaction skips `body` and throws its
    /// ``AuthenticationFailure`` after committing what the check changed (reuse detection
    /// revokes a family, and that must stick).
    public mutating func transaction<T>(
        in storage: some TransactionStorage, recording: WriteRecording = .none, _ body: (inout StoreState) throws -> T
    ) throws -> T {
        let attempts = max(1, storage.maximumAttempts)
        for attempt in 0..<attempts {
            try storage.prepare(attempt: attempt, state: &self)
            beginTransaction()
            let outcome: Result<T, AuthenticationFailure>
            do {
                if let failure = recording.credential?.check(in: &self, audit: recording.audit) ?? recording.webSession?.check(in: self) {
                    outcome = .failure(failure)
                } else {
                    recording.credential?.record(in: &self)
                    let result = try body(&self)
                    if let audit = recording.audit { AuditTrail.record(audit, in: &self) }
                    outcome = .success(result)
                }
                if !pendingChanges.isEmpty, try storage.persist(&self) == .superseded {
                    rollback()
                    try storage.catchUp(&self)
                    continue
                }
            } catch {
                rollback()
                storage.abandon()
                throw error
            }
            commit()
            try storage.finish()
            return try outcome.get()
        }
        storage.abandon()
        throw RepositoryError(.busy, "other writes kept committing first (\(attempts) attempts)")
    }
}
