import JSON
public import TokenAudit
public import TokenCore
import TokenRecords

/// The audit log on PostgreSQL: `tokend.write` keeps each audit event of a transaction as a row
/// of `tokend.audit_events`, in the same database transaction as the change it describes, with
/// its seq in the chain as its id (as on the JSON store). The row holds the event's chained line, the JSON store's audit
/// line (``AuditChain``): the writer chains it to the newest row under `audit_key`, knowing
/// the newest row because its replica is current when the write commits (`tokend.write`
/// refuses a write whose replica fell behind, and the write runs again, chained anew).
extension PostgresStore: AuditLogReading {
    public func auditEvents(_ query: AuditQuery) throws -> AuditPage {
        var filter: SQL =
            "created_at >= tokend.ms(\(query.createdAfter.millisecondsSinceEpoch)::bigint) "
            + "AND created_at <= tokend.ms(\(query.createdBefore.millisecondsSinceEpoch)::bigint)"
        if let kind = query.entityKind { filter = filter + " AND entity_type = \(kind.rawValue)" }
        if let id = query.entityID { filter = filter + " AND entity_id = \(id)::bigint" }
        // The actor object as AuditEventCoding writes it in the row's line: its user id first.
        if let author = query.authorID { filter = filter + " AND strpos(line, \(#""actor":{"user_id":\#(author.rawValue),"#)) > 0" }
        return try mapped {
            try pool.withConnection { connection in
                let total = try connection.query("SELECT count(*) AS total FROM tokend.audit_events WHERE \(filter)", timeoutMilliseconds: queryTimeoutMilliseconds)
                let rows = try connection.query(
                    "SELECT id, line FROM tokend.audit_events WHERE \(filter) ORDER BY id DESC "
                        + "LIMIT \(max(0, query.limit))::bigint OFFSET \(max(0, query.offset))::bigint",
                    timeoutMilliseconds: queryTimeoutMilliseconds)
                return AuditPage(events: try events(rows), total: try total.decode(Int.self, 0, total.column("total")))
            }
        }
    }

    public func auditEvent(id: Int) throws -> StoredAuditEvent? {
        try mapped {
            try pool.withConnection { connection in
                let rows = try connection.query(
                    "SELECT id, line FROM tokend.audit_events WHERE id = \(id)::bigint", timeoutMilliseconds: queryTimeoutMilliseconds)
                return try events(rows).first
            }
        }
    }

    private func events(_ rows: PostgresResult) throws(PostgresError) -> [StoredAuditEvent] {
        var events: [StoredAuditEvent] = []
        events.reserveCapacity(rows.rowCount)
        let (idColumn, lineColumn) = (try rows.column("id"), try rows.column("line"))
        for row in 0..<rows.rowCount {
            let (id, text) = (try rows.decode(Int.self, row, idColumn), try rows.decode(String.self, row, lineColumn))
            do {
                events.append(StoredAuditEvent(id: id, event: try AuditChain.parse(ArraySlice(text.utf8)).event))
            } catch {
                throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "audit event \(id): \(error)")
            }
        }
        return events
    }

    // MARK: The chain

    /// The change-log entry of `event`, the change numbered `seq`: the change's JSON with the
    /// chained line after `previous` in front, `{"line":"<the line>","kind":"audit",…}`.
    func auditEntry(_ event: AuditEvent, seq: Int, after previous: AuditChain.Link) throws(PostgresError) -> ([UInt8], AuditChain.Link) {
        guard let auditKey else {
            throw PostgresError(.corrupt, operation: "write", location: location.description, detail: "tokend.instance has no audit_key")
        }
        let (line, link) = AuditChain.line(event, journalSeq: seq, after: previous, key: auditKey)
        var w = JSONWriter()
        w.beginObject()
        w.field("line", String(decoding: line.dropLast(), as: UTF8.self))
        var entry = w.bytes
        entry.append(UInt8(ascii: ","))
        entry += ChangeCoding.encode(.audit(event)).dropFirst()
        return (entry, link)
    }

    /// Where the chain stands after the audit entry `text` (change `seq`) of the log.
    static func chainLink(ofEntry text: String, seq: Int) throws -> AuditChain.Link {
        guard let line = try JSONParser.parse(Array(text.utf8))["line"]?.stringValue else {
            throw PostgresError(.corrupt, operation: "read", location: "tokend.changes", detail: "change \(seq): an audit entry without its chained line")
        }
        let parsed = try AuditChain.parse(ArraySlice(line.utf8))
        return AuditChain.Link(seq: parsed.seq, mac: parsed.mac, journalSeq: parsed.journalSeq)
    }

    /// The audit key and the newest row, read with the tables (the caller is in a transaction).
    func loadAuditChain(on connection: PostgresConnection, timeout: Int) throws {
        let instance = try connection.query("SELECT audit_key FROM tokend.instance", timeoutMilliseconds: timeout)
        auditKey = instance.string(0, 0).flatMap(Hex.decode).flatMap { $0.count >= 32 ? AuditChain.Key(bytes: $0) : nil }
        let newest = try connection.query("SELECT line FROM tokend.audit_events ORDER BY id DESC LIMIT 1", timeoutMilliseconds: timeout)
        guard newest.rowCount == 1, let line = newest.string(0, 0) else {
            auditTail = .start
            return
        }
        do {
            let parsed = try AuditChain.parse(ArraySlice(line.utf8))
            auditTail = AuditChain.Link(seq: parsed.seq, mac: parsed.mac, journalSeq: parsed.journalSeq)
        } catch {
            throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "the newest audit row: \(error)")
        }
    }

    /// `tokend audit verify` on PostgreSQL: every row in `id` (chain seq) order, 10,000 at a time, through
    /// ``AuditChainVerifier``, as the JSON store's files are checked. Returns the rows checked,
    /// the last link, and the first break (named `tokend.audit_events` with the row's seq).
    ///
    /// With `head` (a head the witness recorded, ``AuditWitness``), the rows must still hold
    /// row `head.seq` with that MAC: rows deleted from the end, or the database restored from an
    /// older backup, are caught, which the rows alone cannot show.
    public func verifyAudit(head: AuditChain.Link? = nil) throws -> (rows: Int, last: AuditChain.Link?, failure: AuditChainVerifier.Failure?) {
        let report = try verifyChain()
        guard report.failure == nil, let head else { return report }
        let lastSeq = report.last?.seq ?? 0
        if head.seq > lastSeq {
            return (report.rows, report.last, AuditChainVerifier.Failure(
                source: "head", line: 0,
                reason: "the rows end at seq \(lastSeq), before the recorded head seq \(head.seq): rows were removed from the end, or the database was rolled back"))
        }
        let mac = try mapped {
            try pool.withConnection { connection in
                let rows = try connection.query(
                    "SELECT line FROM tokend.audit_events WHERE id = \(head.seq)::bigint", timeoutMilliseconds: queryTimeoutMilliseconds)
                guard rows.rowCount == 1 else { return nil as String? }
                return try? AuditChain.parse(ArraySlice(try rows.decode(String.self, 0, rows.column("line")).utf8)).mac
            }
        }
        if mac != head.mac {
            return (report.rows, report.last, AuditChainVerifier.Failure(
                source: "head", line: 0, reason: "row seq \(head.seq) is not the recorded head: the rows were rewritten from there on"))
        }
        return report
    }

    private func verifyChain() throws -> (rows: Int, last: AuditChain.Link?, failure: AuditChainVerifier.Failure?) {
        try mapped {
            try pool.withConnection { connection in
                let key = try connection.query("SELECT audit_key FROM tokend.instance", timeoutMilliseconds: queryTimeoutMilliseconds)
                guard let hex = key.string(0, 0), let bytes = Hex.decode(hex), bytes.count >= 32 else {
                    throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "tokend.instance has no audit_key")
                }
                var verifier = AuditChainVerifier(key: AuditChain.Key(bytes: bytes))
                var after = Int.min
                while true {
                    let rows = try connection.query(
                        "SELECT id, line FROM tokend.audit_events WHERE id > \(after)::bigint ORDER BY id LIMIT 10000",
                        timeoutMilliseconds: max(queryTimeoutMilliseconds, 60_000))
                    guard rows.rowCount > 0 else { break }
                    for row in 0..<rows.rowCount {
                        let seq = rows.int(row, 0) ?? 0
                        do throws(AuditChainVerifier.Failure) {
                            try verifier.check(ArraySlice((rows.string(row, 1) ?? "").utf8), source: "tokend.audit_events seq \(seq)", line: 0)
                        } catch {
                            return (verifier.lines, verifier.last, error)
                        }
                        after = seq
                    }
                }
                return (verifier.lines, verifier.last, nil)
            }
        }
    }
}
