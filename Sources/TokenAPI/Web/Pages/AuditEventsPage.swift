enum AuditEventsPage {
    static let routes: [WebRoute] = []
}
