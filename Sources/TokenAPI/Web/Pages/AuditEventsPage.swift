import HTTPTypes
import TokenCore

/// `/admin/audit_events` (administrators only): the instance's audit events through the same
/// ``AuditLogReading`` as the API, filtered by entity type and a window of at most 30 days,
/// newest first, a page at a time.
enum AuditEventsPage {
    static let path = "/admin/audit_events"
    static let pageSize = 50

    static let routes: [WebRoute] = [WebRoute(.get, "admin/audit_events", access: .admin) { try show($0) }]

    static func show(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        let now = context.now
        let kind = context.field("entity_type").flatMap(AuditEntity.Kind.init(rawValue:))
        let after = context.field("created_after").flatMap { CivilDate(iso8601: $0) }
        let before = context.field("created_before").flatMap { CivilDate(iso8601: $0) }
        let number = TablePage.number(context.field(TablePage.Requested.active.description))
        let span = Int64(AuditQuery.maximumWindowDays) * Timestamp.millisecondsPerDay
        let end = before.map { $0.adding(days: 1).startOfDay } ?? now
        var start = after?.startOfDay ?? end.adding(milliseconds: -span)
        var notice: HTML?
        if end.millisecondsSinceEpoch - start.millisecondsSinceEpoch > span {
            start = end.adding(milliseconds: -span)
            notice = Layout.alert("notice", "A search covers at most \(AuditQuery.maximumWindowDays) days: showing the \(AuditQuery.maximumWindowDays) days up to the end date.")
        }
        var rows: [HTML] = []
        var page = TablePage(number: number, total: 0, rowsPerPage: pageSize)
        if let log = context.dependencies.auditLog {
            let result = try log.auditEvents(AuditQuery(
                createdAfter: start, createdBefore: end, entityKind: kind, offset: page.offset, limit: pageSize))
            page = TablePage(number: number, total: result.total, rowsPerPage: pageSize)
            rows = result.events.map { stored -> HTML in
                let event = stored.event
                return """
                    <tr><td>\(TokenListView.instant(event.time))</td><td>\(event.name.rawValue)</td><td>\(event.actor.name)</td>\
                    <td>\(event.entity.kind.rawValue) \(event.entity.id)</td><td>\(event.target.type) \(event.target.details)</td><td>\(event.ipAddress ?? "")</td></tr>
                    """
            }
        } else {
            notice = Layout.alert("notice", "This store keeps no audit log.")
        }
        let kinds = ([("", "Any entity")] + AuditEntity.Kind.allCases.map { ($0.rawValue, $0.rawValue) }).map { option -> HTML in
            "<option value=\"\(option.0)\"\(option.0 == (kind?.rawValue ?? "") ? HTML(raw: " selected") : HTML.empty)>\(option.1)</option>"
        }
        var pager = HTML.empty
        page.writeNavigation(
            path: path, parameter: TablePage.Requested.active, label: "Pages of audit events",
            filters: [(name: "entity_type", value: kind?.rawValue), (name: "created_after", value: start.date.iso8601), (name: "created_before", value: end.date.iso8601)], into: &pager)
        let content: HTML = """
            <h1>Audit events</h1>\(notice)
            <form class="filters" method="get" action="\(path)"><div><label for="entity_type">Entity</label><select id="entity_type" name="entity_type">\(kinds)</select></div>\
            <div><label for="created_after">From</label><input type="date" id="created_after" name="created_after" value="\(start.date.iso8601)"></div>\
            <div><label for="created_before">To</label><input type="date" id="created_before" name="created_before" value="\(end.date.iso8601)"></div>\
            <div><button type="submit">Filter</button></div></form>
            <section class="card"><h2>Events (\(page.total))</h2><div class="table-wrap"><table><thead><tr><th scope="col">Time</th><th scope="col">Event</th>\
            <th scope="col">Author</th><th scope="col">Entity</th><th scope="col">Target</th><th scope="col">IP address</th></tr></thead><tbody>\(rows)</tbody></table></div>\(pager)</section>
            """
        return PageResponse.html(.ok, Layout.page(title: "Audit events", current: path, viewer: viewer, content: content))
    }
}
