extension StoreState {
    /// Starts a batch of transactions (PostgreSQL's group commit): what the transactions
    /// committed until ``endBatch()`` stays undoable together, by ``rollbackBatch()``, because
    /// the batch is durable only once its one call to the database commits.
    public mutating func beginBatch() { batchUndoLog = [] }

    /// Ends a batch, keeping what its transactions did.
    public mutating func endBatch() { batchUndoLog = nil }

    /// Undoes the open transaction, if any, and every transaction committed since
    /// ``beginBatch()``, newest first.
    public mutating func rollbackBatch() {
        rollback()
        guard let log = batchUndoLog else { return }
        batchUndoLog = nil
        for entry in log.reversed() { undo(entry) }
    }
}
