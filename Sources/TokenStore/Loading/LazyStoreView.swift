#if canImport(Glibc)
import Glibc
#endif
import JSON
import TokenCore
import TokenRecords

/// The store files as they are on disk, answering for single records without loading the
/// rest: the read path of CGI mode, where each process serves one request and a full load
/// would cost more than everything else together.
///
/// The snapshot is mapped (``MappedFile``) and the journal read (complete lines only). A
/// record is found with ``LineSearch`` (`memmem` for a byte string its line must contain),
/// and its newest image wins: the last matching journal line past the snapshot's sequence
/// number, else the snapshot's line. Only matching lines are decoded, and each is checked
/// to really be the record asked for. The view follows the files: ``refresh()`` re-reads new
/// journal lines and re-opens a replaced snapshot, so a read never misses an acknowledged write.
final class LazyStoreView {
    private let layout: StoreLayout
    private var files: Files
    /// Records resolved against the current files, and the keys resolved (with or without one).
    private var tokens: [TokenID: AccessToken] = [:]
    private var users: [UserID: User] = [:]
    private var digests: Set<TokenDigest> = []
    private var tokenIDs: Set<TokenID> = []
    private var userIDs: Set<UserID> = []

    /// One consistent pair: a snapshot and the journal of its generation.
    private struct Files {
        var snapshot: MappedFile
        var identity: FileIdentity
        var header: RecordCoding.SnapshotHeader
        var journalFD: Int32
        /// Journal bytes read so far; `journalComplete` of them are complete lines.
        var journal: [UInt8] = []
        var journalComplete = 0
    }

    init(layout: StoreLayout) throws(StoreError) {
        self.layout = layout
        files = try Self.open(layout)
    }

    deinit {
        if files.journalFD >= 0 { close(files.journalFD) }
    }

    /// Opens the snapshot and its journal. A compaction between the two opens unlinks the
    /// journal: start again with the new snapshot (bounded).
    private static func open(_ layout: StoreLayout) throws(StoreError) -> Files {
        for _ in 0..<8 {
            let fd = try FileIO.open(layout.snapshot, O_RDONLY)
            defer { close(fd) }
            let identity = try FileIO.identity(ofDescriptor: fd, path: layout.snapshot)
            let snapshot = try MappedFile(descriptor: fd, path: layout.snapshot)
            let header = try snapshot.withBytes { bytes throws(StoreError) in try SnapshotParser.header(bytes, path: layout.snapshot) }
            let journalPath = layout.journal(generation: header.generation)
            var journalFD: Int32 = -1
            do {
                journalFD = try FileIO.open(journalPath, O_RDONLY)
            } catch where error.errno == ENOENT {
                // Moved on (retry), or a journal never created (empty, as the full load treats it).
                guard try FileIO.identity(ofPath: layout.snapshot) == identity else { continue }
            }
            var files = Files(snapshot: snapshot, identity: identity, header: header, journalFD: journalFD)
            do {
                try readJournal(&files, path: journalPath)
            } catch {
                if journalFD >= 0 { close(journalFD) }
                throw error
            }
            return files
        }
        throw StoreError(operation: "open", path: layout.snapshot, detail: "the store changed generation eight times while opening")
    }

    /// Reads journal bytes not read yet, keeping only complete lines as such.
    private static func readJournal(_ files: inout Files, path: String) throws(StoreError) {
        guard files.journalFD >= 0 else { return }
        let size = try FileIO.fileSize(files.journalFD, path: path)
        files.journal.removeLast(files.journal.count - files.journalComplete)
        guard size > files.journalComplete else { return }
        files.journal += try FileIO.pread(files.journalFD, offset: files.journalComplete, count: size - files.journalComplete, path: path)
        files.journalComplete = (files.journal.lastIndex(of: 0x0A) ?? -1) + 1
    }

    /// Catches up with the files: a replaced snapshot is re-opened, new journal lines are read.
    /// Anything resolved before is forgotten when something changed.
    func refresh() throws(StoreError) {
        let journalPath = layout.journal(generation: files.header.generation)
        if try FileIO.identity(ofPath: layout.snapshot) != files.identity {
            if files.journalFD >= 0 { close(files.journalFD) }
            files.journalFD = -1
            files = try Self.open(layout)
        } else {
            let before = files.journalComplete
            guard files.journalFD >= 0, try FileIO.fileSize(files.journalFD, path: journalPath) != files.journal.count else { return }
            try Self.readJournal(&files, path: journalPath)
            guard files.journalComplete != before else { return }
        }
        tokens = [:]
        users = [:]
        digests = []
        tokenIDs = []
        userIDs = []
    }

    /// A partial state holding every record resolved so far plus those `demands` ask for.
    func state(resolving demands: Set<StoreDemand>) throws(StoreError) -> StoreState {
        for demand in demands {
            switch demand {
            case .tokenDigest(let digest):
                guard digests.insert(digest).inserted else { continue }
                if let token = try token(digest: digest) { try add(token) }
            case .token(let id):
                guard tokenIDs.insert(id).inserted else { continue }
                if let token = try latestToken(id) { try add(token) }
            case .user(let id):
                try resolveUser(id)
            case .everything:
                continue
            }
        }
        return StoreState.partial(
            tokens: Array(tokens.values), users: Array(users.values), resolvedDigests: digests, resolvedTokenIDs: tokenIDs,
            resolvedUserIDs: userIDs)
    }

    /// A token comes with its owner: authentication needs both.
    private func add(_ token: AccessToken) throws(StoreError) {
        tokens[token.id] = token
        tokenIDs.insert(token.id)
        digests.insert(token.digest)
        try resolveUser(token.userID)
    }

    private func resolveUser(_ id: UserID) throws(StoreError) {
        guard userIDs.insert(id).inserted else { return }
        users[id] = try latestUser(id)
    }

    // MARK: Finding records

    /// The token whose newest image carries `digest`.
    private func token(digest: TokenDigest) throws(StoreError) -> AccessToken? {
        let needle = Array(#""digest":""#.utf8) + Array(digest.hex.utf8) + [UInt8(ascii: "\"")]
        let matches: (AccessToken) -> Bool = { $0.digest == digest }
        let candidate: AccessToken
        if let found = try newestJournalToken(needle, matches) {
            candidate = found
        } else if let found = try snapshotToken(needle, matches) {
            // A later image of the same token in the journal wins over the snapshot's.
            candidate = try newestJournalToken(Self.tokenIDNeedle(found.id)) { $0.id == found.id } ?? found
        } else {
            return nil
        }
        let newest = try newestJournalToken(Self.tokenIDNeedle(candidate.id)) { $0.id == candidate.id } ?? candidate
        return newest.digest == digest ? newest : nil
    }

    private func latestToken(_ id: TokenID) throws(StoreError) -> AccessToken? {
        let needle = Self.tokenIDNeedle(id)
        if let found = try newestJournalToken(needle, { $0.id == id }) { return found }
        return try snapshotToken(needle) { $0.id == id }
    }

    /// The user's newest image; nil when absent or deleted.
    private func latestUser(_ id: UserID) throws(StoreError) -> User? {
        let needle = Array(#""id":\#(id.rawValue),"#.utf8)
        var newest: User??
        try journalChanges(needle) { change in
            switch change {
            case .putUser(let user) where user.id == id: newest = .some(user)
            case .deleteUser(id): newest = .some(nil)
            default: break
            }
        }
        if let newest { return newest }
        var found: User?
        try snapshotChanges(needle) { change in
            guard case .putUser(let user) = change, user.id == id else { return true }
            found = user
            return false
        }
        return found
    }

    /// `"id":N,"impersonation":` occurs only in token records (keys are sorted).
    private static func tokenIDNeedle(_ id: TokenID) -> [UInt8] {
        Array(#""id":\#(id.rawValue),"impersonation":"#.utf8)
    }

    private func newestJournalToken(_ needle: [UInt8], _ matches: (AccessToken) -> Bool) throws(StoreError) -> AccessToken? {
        var newest: AccessToken?
        try journalChanges(needle) { change in
            if case .putToken(let token) = change, matches(token) { newest = token }
        }
        return newest
    }

    private func snapshotToken(_ needle: [UInt8], _ matches: (AccessToken) -> Bool) throws(StoreError) -> AccessToken? {
        var found: AccessToken?
        try snapshotChanges(needle) { change in
            guard case .putToken(let token) = change, matches(token) else { return true }
            found = token
            return false
        }
        return found
    }

    /// Every journal change past the snapshot on a line containing `needle`, oldest first.
    private func journalChanges(_ needle: [UInt8], _ visit: (StoreChange) -> Void) throws(StoreError) {
        let path = layout.journal(generation: files.header.generation)
        let lastSeq = files.header.lastSeq
        let complete = files.journalComplete
        try files.journal.withUnsafeBufferPointer { all throws(StoreError) in
            let bytes = UnsafeBufferPointer(rebasing: all[0..<complete])
            try LineSearch.lines(containing: needle, in: bytes) { range throws(StoreError) in
                let line = UnsafeBufferPointer(rebasing: bytes[range])
                let entry: (seq: Int, change: StoreChange)
                if let fast = FastRecordDecoder.journalToken(line) {
                    entry = fast
                } else {
                    do {
                        entry = try RecordCoding.decodeJournalLine(try JSONParser.parse(line))
                    } catch {
                        throw .corrupt(path, line: LineSearch.lineNumber(in: bytes, at: range.lowerBound), offset: range.lowerBound, "\(error)")
                    }
                }
                if entry.seq > lastSeq { visit(entry.change) }
                return true
            }
        }
    }

    /// Snapshot records on lines containing `needle`, front to back, while `visit` returns true.
    private func snapshotChanges(_ needle: [UInt8], _ visit: (StoreChange) -> Bool) throws(StoreError) {
        let path = layout.snapshot
        try files.snapshot.withBytes { bytes throws(StoreError) in
            try LineSearch.lines(containing: needle, in: bytes) { range throws(StoreError) in
                guard range.lowerBound > 0 else { return true }  // the header line
                let line = UnsafeBufferPointer(rebasing: bytes[range])
                if let fast = FastRecordDecoder.snapshotToken(line) { return visit(fast) }
                do {
                    return visit(try RecordCoding.decodeChange(try JSONParser.parse(line)))
                } catch {
                    throw .corrupt(path, line: LineSearch.lineNumber(in: bytes, at: range.lowerBound), offset: range.lowerBound, "\(error)")
                }
            }
        }
    }
}
