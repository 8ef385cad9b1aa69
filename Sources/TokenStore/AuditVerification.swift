#if canImport(Glibc)
import Glibc
#endif
import JSON
import TokenAudit
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
    }

    /// Verifies `audit/` of the data directory `directory` under its `audit.key`.
    public static func verify(directory: String) throws(StoreError) -> Report {
        let layout = StoreLayout(directory: directory)
        let key = try AuditLayout.key(layout, create: false)
        var report = try verify(AuditLayout(layout), key: key)
        if report.failure == nil, let stamp = try snapshotTail(layout), stamp.seq > 0 {
            report.snapshotTail = stamp
            if stamp.seq > report.lastSeq {
                report.failure = AuditChainVerifier.Failure(
                    source: report.files.last ?? "audit", line: 0,
                    reason: "the log ends at seq \(report.lastSeq), but the snapshot recorded that it had reached seq \(stamp.seq): lines were removed from the end")
            }
        }
        if report.failure == nil, let stamp = report.snapshotTail, stamp.seq >= report.startSeq,
            try mac(ofSeq: stamp.seq, in: AuditLayout(layout)) != stamp.mac
        {
            report.failure = AuditChainVerifier.Failure(
                source: "snapshot", line: 0, reason: "line seq \(stamp.seq) is not the line the snapshot recorded: the log was rewritten")
        }
        return report
    }

    /// `audit_seq`/`audit_mac` of the snapshot header, if a compaction recorded them.
    static func snapshotTail(_ layout: StoreLayout) throws(StoreError) -> AuditChain.Link? {
        guard FileIO.exists(layout.snapshot) else { return nil }
        let fd = try FileIO.open(layout.snapshot, O_RDONLY)
        defer { close(fd) }
        guard let line = try AuditLayout.firstLine(fd, path: layout.snapshot),
            let header = try? RecordCoding.decodeHeader(try JSONParser.parse(line)), let seq = header.auditSeq, let mac = header.auditMAC
        else { return nil }
        return AuditChain.Link(seq: seq, mac: mac, journalSeq: header.lastSeq)
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

    static func verify(_ audit: AuditLayout, key: AuditChain.Key) throws(StoreError) -> Report {
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
                    try verifier.check(line, source: name, line: number)
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
