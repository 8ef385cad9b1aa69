import TokenCore

/// Reads in ``JSONFileStore/Loading/onDemand`` mode: answered from the files record by record
/// (``LazyStoreView``) for as long as that can give the same answer as the full state.
extension JSONFileStore {
    /// Runs `body` on a partial state, resolving what it asks for, in a few rounds (a token,
    /// then its owner…). Returns nil after switching to the full load when `body` needs more
    /// than single records (the caller then reads as usual). Call holding the write lock.
    func readOnDemand<T>(_ body: (borrowing StoreState) throws -> T) throws -> T? {
        guard let view = lazyView else { return nil }
        do throws(StoreError) {
            try view.refresh()
        } catch {
            throw error.repositoryError
        }
        var demands: Set<StoreDemand> = []
        for _ in 0..<4 {
            let partial: StoreState
            do throws(StoreError) {
                partial = try view.state(resolving: demands)
            } catch {
                throw error.repositoryError
            }
            let outcome = Result { try body(partial) }
            let missed = partial.partialDemands ?? []
            if missed.isEmpty { return try outcome.get() }
            if missed.contains(.everything) || missed.isSubset(of: demands) { break }
            demands.formUnion(missed)
        }
        // From now on this process holds the whole state, kept current as a worker's is.
        do throws(StoreError) {
            try refresh()
        } catch {
            throw error.repositoryError
        }
        return nil
    }
}
