import HTTPTypes
import TokenCore

/// `/admin/credentials` (administrators only): GitLab's credentials inventory, every token of
/// the instance, filtered by owner, state and type, newest first, ``rowsPerPage`` a page
/// (``TablePage``; the pager keeps the filters).
enum CredentialsPage {
    static let path = "/admin/credentials"
    /// Kaminari's default page size, which GitLab's inventory (`.page(params[:page])`) uses.
    static let rowsPerPage = 20

    static let routes: [WebRoute] = [WebRoute(.get, "admin/credentials", access: .admin) { try show($0) }]

    static let types = ["personal_access_tokens": "Personal access tokens", "resource_access_tokens": "Project and group access tokens",
        "impersonation_tokens": "Impersonation tokens"]

    static func show(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        let owner = context.field("owner").map(\.trimmingSpaces).flatMap { $0.isEmpty ? nil : String($0.prefix(255)) }
        let state = context.field("state").flatMap { ["active", "inactive"].contains($0) ? $0 : nil }
        let type = types.keys.first { $0 == context.field("type") }
        let now = context.now
        let (rows, page) = try context.read { store -> ([HTML], TablePage) in
            let tokens: [AccessToken]
            if let owner {
                guard let user = UserDirectory.find(owner, in: store) else { return ([], TablePage(requested: nil, total: 0, rowsPerPage: rowsPerPage)) }
                tokens = store.tokens(ownedBy: user.id)
            } else {
                tokens = store.allTokens()
            }
            let kindOf = { (token: AccessToken, user: User?) -> String in
                token.impersonation ? "impersonation_tokens" : (user?.botResource != nil ? "resource_access_tokens" : "personal_access_tokens")
            }
            let matching = tokens.reversed().filter { token in
                if let state, token.isActive(at: now) != (state == "active") { return false }
                return type == nil || kindOf(token, store.user(token.userID)) == type
            }
            let page = TablePage(requested: context.field(TablePage.Requested.active.description), total: matching.count, rowsPerPage: rowsPerPage)
            var rows: [HTML] = []
            for token in page.rows(matching) {
                let user = store.user(token.userID)
                let kind = kindOf(token, user)
                let scopes = token.scopes.map { scope -> HTML in "<span class=\"badge\">\(scope.rawValue)</span>" }
                let status: HTML = token.revoked ? "<span class=\"badge danger\">Revoked</span>"
                    : token.isExpired(at: now) ? "<span class=\"badge\">Expired</span>" : "<span class=\"badge ok\">Active</span>"
                rows.append("""
                    <tr><td>\(token.name)</td><td>\(user?.username ?? "")</td><td>\(types[kind] ?? "")</td><td>\(scopes)</td><td>\(status)</td>\
                    <td>\(token.createdAt.date.iso8601)</td><td>\(token.lastUsedAt.map(TokenListView.instant) ?? "Never")</td><td>\(token.expiresAt?.iso8601 ?? "Never")</td></tr>
                    """)
            }
            return (rows, page)
        }
        let stateOptions = [("", "Any state"), ("active", "Active"), ("inactive", "Inactive (revoked or expired)")].map { option -> HTML in
            "<option value=\"\(option.0)\"\(option.0 == (state ?? "") ? HTML(raw: " selected") : HTML.empty)>\(option.1)</option>"
        }
        let typeOptions = ([("", "Any type")] + types.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }).map { option -> HTML in
            "<option value=\"\(option.0)\"\(option.0 == (type ?? "") ? HTML(raw: " selected") : HTML.empty)>\(option.1)</option>"
        }
        let shown: HTML = rows.isEmpty && page.total > 0 ? "\(page.total) tokens, none on this page." : "\(page.total) tokens."
        var pager = HTML.empty
        let filters: [(name: StaticString, value: String?)] = [("owner", owner), ("state", state), ("type", type)]
        page.writeNavigation(path: path, parameter: TablePage.Requested.active, label: "Pages of tokens", filters: filters, into: &pager)
        let content: HTML = """
            <h1>Credentials</h1><p class="lead">Every access token of the instance.</p>
            <form class="filters" method="get" action="\(path)"><div><label for="owner">Owner</label><input type="search" id="owner" name="owner" value="\(owner ?? "")"></div>\
            <div><label for="state">State</label><select id="state" name="state">\(stateOptions)</select></div>\
            <div><label for="type">Type</label><select id="type" name="type">\(typeOptions)</select></div><div><button type="submit">Filter</button></div></form>
            <section class="card"><h2>Tokens</h2><div class="card-body"><p class="hint">\(shown)</p></div><div class="table-wrap"><table><thead><tr>\
            <th scope="col">Name</th><th scope="col">Owner</th><th scope="col">Type</th><th scope="col">Scopes</th><th scope="col">State</th><th scope="col">Created</th>\
            <th scope="col">Last used</th><th scope="col">Expires</th></tr></thead><tbody>\(rows)</tbody></table></div>\(pager)</section>
            """
        return PageResponse.html(.ok, Layout.page(title: "Credentials", current: path, viewer: viewer, content: content))
    }
}
