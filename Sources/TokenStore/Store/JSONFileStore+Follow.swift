#if canImport(Glibc)
import Glibc
#endif
import JSON
import TokenCore
import TokenRecords

extension JSONFileStore {
    /// Adopts a generation another process compacted into, without reading its snapshot: the
    /// state in memory already holds everything that snapshot does once the old journal is
    /// read to its end (nobody appends to it after a compaction; our descriptor still reads it
    /// after the unlink), and the new journal holds every change after the snapshot's sequence
    /// number. False when that does not hold (we were behind a snapshot written by a bulk load,
    /// the new journal is gone, a sequence gap): the caller reloads everything.
    ///
    /// Without this, every worker re-read the whole snapshot after each compaction elsewhere,
    /// stalling its requests for as long as a start-up.
    func followCompaction() throws(StoreError) -> Bool {
        guard snapshotIdentity != nil, journalFD >= 0 else { return false }
        let oldPath = layout.journal(generation: generation)
        let oldSize = try FileIO.fileSize(journalFD, path: oldPath)
        if oldSize > journalOffset {
            let bytes = try FileIO.pread(journalFD, offset: journalOffset, count: oldSize - journalOffset, path: oldPath)
            guard let consumed = try applyJournal(bytes, path: oldPath, baseOffset: journalOffset, strictSeq: false) else { return false }
            journalOffset += consumed
        }
        let snapshot = try FileIO.open(layout.snapshot, O_RDONLY)
        var adopted = false
        defer { if !adopted { close(snapshot) } }
        let head = try FileIO.pread(snapshot, offset: 0, count: 4096, path: layout.snapshot)
        guard let newline = head.firstIndex(of: 0x0A),
            let header = try? RecordCoding.decodeHeader(try JSONParser.parse(head[..<newline])),
            header.generation > generation, header.lastSeq <= lastSeq
        else { return false }
        let journalPath = layout.journal(generation: header.generation)
        let newFD: Int32
        do {
            newFD = try FileIO.open(journalPath, readOnly ? O_RDONLY : O_RDWR | O_APPEND)
        } catch where error.errno == ENOENT {
            return false
        }
        let size: Int
        let consumed: Int?
        let oldAuditBytes = auditJournalBytes
        auditJournalBytes = 0
        defer { if !adopted { auditJournalBytes = oldAuditBytes } }
        do throws(StoreError) {
            size = try FileIO.fileSize(newFD, path: journalPath)
            let bytes = try FileIO.pread(newFD, offset: 0, count: size, path: journalPath)
            consumed = try applyJournal(bytes, path: journalPath, baseOffset: 0, strictSeq: false)
        } catch {
            close(newFD)
            throw error
        }
        guard let consumed, let identity = try? FileIO.identity(ofDescriptor: snapshot, path: layout.snapshot),
            let snapshotBytes = try? FileIO.fileSize(snapshot, path: layout.snapshot)
        else {
            close(newFD)
            return false
        }
        journal = JournalFile(fd: newFD, path: journalPath)
        journalIdentity = try? FileIO.identity(ofDescriptor: newFD, path: journalPath)
        generation = header.generation
        journalOffset = consumed
        journalSeenSize = size
        if snapshotFD >= 0 { close(snapshotFD) }
        snapshotFD = snapshot
        snapshotIdentity = identity
        snapshotSize = snapshotBytes
        adopted = true
        return true
    }
}
