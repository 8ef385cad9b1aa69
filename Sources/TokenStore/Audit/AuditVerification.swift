#if canImport(Glibc)
import Glibc
#endif
import JSON
public import TokenAudit
import TokenCore
import TokenRecords

/// `tokend audit verify`: checks the chain across every audit file of a data directory, in
/// order, and names the first line that breaks it (``AuditChainVerifier``).
public enum AuditVerification {
    public struct Report: Sendable {
        /// Files read, oldest first.
        public var files: [String] = []
        public var lines = 0
        /// Where the retained chain starts: its first `seq` and the `prev` it continues from
        /// (seq 1 after 64 zeros when nothing was ever removed).
        public var startSeq = 1
        public var startPrev = AuditChain.origin
        public var lastSeq = 0
        /// Lines before the anchor that an interrupted retention left in the first file.
        public var skippedBeforeAnchor = 0
        /// The first break, or nil when the chain is intact.
        public var failure: AuditChainVerifier.Failure?
        /// The chain's tail as the last compaction recorded it in the snapshot header: lines
        /// removed from the end of the log are caught against it.
        public var snapshotTail: AuditChain.Link?
        /// Where the chain disagrees with the journal and the records the store holds (the
        /// first ``AuditStoreComparison/keptFindings``), and how many there are in all.
        public var storeFindings: [String] = []
        public var storeFindingCount = 0
    }

    /// Verifies `audit/` of the data directory `directory` under its `audit.key`: the chain's
    /// links, the snapshot's stamp, the journal and the records it created
    /// (``AuditStoreComparison``), and, when given, a head recorded outside (``AuditWitness``).
    public static func verify(directory: String, head: AuditChain.Link? = nil) throws(StoreError) -> Report {
        let layout = StoreLayout(directory: directory)
        let key = try AuditLayout.key(layout, create: false)
        let header = try snapshotHeader(layout)
        var chain = AuditStoreComparison.Chain()
        var report = try verify(AuditLayout(layout), key: key, journalFloor: header?.lastSeq ?? 0, chain: &chain)
        if report.failure == nil, let header, let seq = header.auditSeq, let stampMAC = header.auditMAC, seq > 0 {
            let stamp = AuditChain.Link(seq: seq, mac: stampMAC, journalSeq: header.lastSeq)
            report.snapshotTail = stamp
            if stamp.seq > report.lastSeq {
                report.failure = AuditChainVerifier.Failure(
                    source: report.files.last ?? "audit", line: 0,
                    reason: "the log ends at seq \(report.lastSeq), but the snapshot recorded that it had reached seq \(stamp.seq): lines were removed from the end")
            } else if stamp.seq >= report.startSeq, try mac(ofSeq: stamp.seq, in: AuditLayout(layout)) != stamp.mac {
                report.failure = AuditChainVerifier.Failure(
                    source: "snapshot", line: 0, reason: "line seq \(stamp.seq) is not the line the snapshot recorded: the log was rewritten")
            }
        }
        if report.failure == nil, let header {
            var comparison = AuditStoreComparison(header: header, key: key)
            try comparison.compare(journal: layout.journal(generation: header.generation), with: chain)
            report.storeFindings = comparison.findings
            report.storeFindingCount = comparison.count
            if let first = comparison.findings.first {
                report.failure = AuditChainVerifier.Failure(
                    source: "journal", line: 0,
                    reason: comparison.count == 1 ? first : "\(first) (and \(comparison.count - 1) more)")
            }
        }
        if report.failure == nil, let head {
            report.failure = try check(head: head, report: report, audit: AuditLayout(layout))
        }
        return report
    }

    /// Whether the chain still holds `head`, a head recorded outside the data directory: nil
    /// when it does (or when retention has removed that line, noted in the report).
    static func check(head: AuditChain.Link, report: Report, audit: AuditLayout) throws(StoreError) -> AuditChainVerifier.Failure? {
        if head.seq > report.lastSeq {
            return AuditChainVerifier.Failure(
                source: "head", line: 0,
                reason: "the log ends at seq \(report.lastSeq), before the recorded head seq \(head.seq): lines were removed from the end, or the files were rolled back")
        }
        guard head.seq >= report.startSeq else { return nil }
        if try mac(ofSeq: head.seq, in: audit) != head.mac {
            return AuditChainVerifier.Failure(
                source: "head", line: 0, reason: "line seq \(head.seq) is not the recorded head: the log was rewritten from there on")
        }
        return nil
    }

    /// The snapshot's header, if there is a snapshot.
    static func snapshotHeader(_ layout: StoreLayout) throws(StoreError) -> RecordCoding.SnapshotHeader? {
        guard FileIO.exists(layout.snapshot) else { return nil }
        let fd = try FileIO.open(layout.snapshot, O_RDONLY)
        defer { close(fd) }
        guard let line = try AuditLayout.firstLine(fd, path: layout.snapshot) else { return nil }
        do {
            return try RecordCoding.decodeHeader(try JSONParser.parse(line))
        } catch {
            throw StoreError(operation: "read", path: layout.snapshot, detail: "the snapshot header cannot be read: \(error)")
        }
    }

    /// The MAC of line `seq`, found in the file whose range holds it.
    static func mac(ofSeq seq: Int, in audit: AuditLayout) throws(StoreError) -> String? {
        guard let first = audit.files().last(where: { $0 <= seq }) else { return nil }
        let bytes = try FileIO.readAll(audit.file(firstSeq: first))
        let needle = Array(#"{"seq":\#(seq),"#.utf8)
        for line in bytes.split(separator: 0x0A) where line.starts(with: needle) {
            return (try? AuditChain.parse(line))?.mac
        }
        return nil
    }

    static func verify(
        _ audit: AuditLayout, key: AuditChain.Key, journalFloor: Int, chain: inout AuditStoreComparison.Chain
    ) throws(StoreError) -> Report {
        let anchor = try audit.readAnchor(key: key)
        var verifier = AuditChainVerifier(key: key, anchor: anchor)
        var report = Report(startSeq: anchor.seq + 1, startPrev: anchor.mac)
        for seq in audit.files() {
            let name = AuditLayout.name(firstSeq: seq)
            report.files.append(name)
            let bytes = try FileIO.readAll(audit.directory + "/" + name)
            var start = 0
            var number = 0
            while start < bytes.count {
                number += 1
                guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                    report.failure = AuditChainVerifier.Failure(
                        source: name, line: number, reason: "the last line is incomplete (a writer stopped mid-append; the next write truncates it)")
                    return report
                }
                defer { start = newline + 1 }
                let line = bytes[start..<newline]
                if verifier.last == nil, let parsed = try? AuditChain.parse(line), parsed.seq <= anchor.seq {
                    report.skippedBeforeAnchor += 1
                    continue
                }
                do {
                    let parsed = try verifier.check(line, source: name, line: number)
                    if verifier.lines == 1 && anchor.seq > 0 { chain.firstRetainedJournalSeq = parsed.journalSeq }
                    chain.add(parsed, journalFloor: journalFloor)
                } catch {
                    report.failure = error
                    report.lines = verifier.lines
                    report.lastSeq = verifier.last?.seq ?? anchor.seq
                    return report
                }
            }
        }
        report.lines = verifier.lines
        report.lastSeq = verifier.last?.seq ?? anchor.seq
        return report
    }
}
