import JSON
import TokenAudit
import TokenCore

/// GitLab's audit events API on PostgreSQL: `tokend.write` keeps each audit event of a
/// transaction as a row of `tokend.audit_events`, in the same database transaction as the
/// change it describes, with its seq in the change log as its id.
///
/// Unlike the JSON store's audit files, the rows carry no HMAC chain: who can edit the database
/// can edit them (see the README's "Several hosts").
extension PostgresStore: AuditLogReading {
    public func auditEvents(_ query: AuditQuery) throws -> AuditPage {
        var conditions = ["created_at >= tokend.ms($1::bigint)", "created_at <= tokend.ms($2::bigint)"]
        var parameters: [String?] = [
            String(query.createdAfter.millisecondsSinceEpoch), String(query.createdBefore.millisecondsSinceEpoch),
        ]
        if let kind = query.entityKind {
            parameters.append(kind.rawValue)
            conditions.append("entity_type = $\(parameters.count)")
        }
        if let id = query.entityID {
            parameters.append(String(id))
            conditions.append("entity_id = $\(parameters.count)::bigint")
        }
        let filter = conditions.joined(separator: " AND ")
        return try mapped {
            try pool.withConnection { connection in
                let total = try connection.query(
                    "SELECT count(*) FROM tokend.audit_events WHERE \(filter)", parameters, timeoutMilliseconds: queryTimeoutMilliseconds)
                let rows = try connection.query(
                    "SELECT id, event FROM tokend.audit_events WHERE \(filter) ORDER BY id DESC "
                        + "LIMIT \(max(0, query.limit)) OFFSET \(max(0, query.offset))",
                    parameters, timeoutMilliseconds: queryTimeoutMilliseconds)
                return AuditPage(events: try events(rows), total: total.int(0, 0) ?? 0)
            }
        }
    }

    public func auditEvent(id: Int) throws -> StoredAuditEvent? {
        try mapped {
            try pool.withConnection { connection in
                let rows = try connection.query(
                    "SELECT id, event FROM tokend.audit_events WHERE id = $1::bigint", [String(id)],
                    timeoutMilliseconds: queryTimeoutMilliseconds)
                return try events(rows).first
            }
        }
    }

    private func events(_ rows: PostgresResult) throws(PostgresError) -> [StoredAuditEvent] {
        var events: [StoredAuditEvent] = []
        events.reserveCapacity(rows.rowCount)
        for row in 0..<rows.rowCount {
            guard let id = rows.int(row, 0), let text = rows.string(row, 1) else { continue }
            do {
                events.append(StoredAuditEvent(id: id, event: try AuditEventCoding.decode(try JSONParser.parse(Array(text.utf8)))))
            } catch {
                throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "audit event \(id): \(error)")
            }
        }
        return events
    }
}
