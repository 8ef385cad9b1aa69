import HTTPTypes
import TokenCore

/// `/admin/credentials` (administrators only): GitLab's credentials inventory, every token of
/// the instance, filtered by owner, state and type, at most ``limit`` rows a page.
enum CredentialsPage {
    static let path = "/admin/credentials"
    static let limit = 200

    static let routes: [WebRoute] = [WebRoute(.get, "admin/credentials", access: .admin) { try show($0) }]

    static let types = ["personal_access_tokens": "Personal access tokens", "resource_access_tokens": "Project and group access tokens",
        "impersonation_tokens": "Impersonation tokens"]

    static func show(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        let owner = context.field("owner").map(\.trimmingSpaces).flatMap { $0.isEmpty ? nil : String($0.prefix(255)) }
        let state = ["active", "inactive"].first { $0 == context.field("state") }
        let type = types.keys.first { $0 == context.field("type") }
        let now = context.now
        let (rows, total) = try context.read { store -> ([HTML], Int) in
            let tokens: [AccessToken]
            if let owner {
                guard let user = UserDirectory.find(owner, in: store) else { return ([], 0) }
                tokens = store.tokens(ownedBy: user.id)
            } else {
                tokens = store.allTokens()
            }
            var rows: [HTML] = []
            var total = 0
            for token in tokens.reversed() {
                if let state, token.isActive(at: now) != (state == "active") { continue }
                let user = store.user(token.userID)
                let kind = token.impersonation ? "impersonation_tokens" : (user?.botResource != nil ? "resource_access_tokens" : "personal_access_tokens")
                if let type, kind != type { continue }
                total += 1
                guard rows.count < limit else { continue }
                let scopes = token.scopes.map { scope -> HTML in "<span class=\"badge\">\(scope.rawValue)</span>" }
                let status: HTML = token.revoked ? "<span class=\"badge danger\">Revoked</span>"
                    : token.isExpired(at: now) ? "<span class=\"badge\">Expired</span>" : "<span class=\"badge ok\">Active</span>"
                rows.append("""
                    <tr><td>\(token.name)</td><td>\(user?.username ?? "")</td><td>\(types[kind] ?? "")</td><td>\(scopes)</td><td>\(status)</td>\
                    <td>\(token.createdAt.date.iso8601)</td><td>\(token.lastUsedAt.map(TokenListView.instant) ?? "Never")</td><td>\(token.expiresAt?.iso8601 ?? "Never")</td></tr>
                    """)
            }
            return (rows, total)
        }
        let stateOptions = [("", "Any state"), ("active", "Active"), ("inactive", "Inactive (revoked or expired)")].map { option -> HTML in
            "<option value=\"\(option.0)\"\(option.0 == (state ?? "") ? HTML(raw: " selected") : HTML.empty)>\(option.1)</option>"
        }
        let typeOptions = ([("", "Any type")] + types.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }).map { option -> HTML in
            "<option value=\"\(option.0)\"\(option.0 == (type ?? "") ? HTML(raw: " selected") : HTML.empty)>\(option.1)</option>"
        }
        let shown: HTML = total > rows.count ? "Showing the newest \(rows.count) of \(total)." : "\(total) tokens."
        let content: HTML = """
            <h1>Credentials</h1><p class="lead">Every access token of the instance.</p>
            <form class="filters" method="get" action="\(path)"><div><label for="owner">Owner</label><input type="search" id="owner" name="owner" value="\(owner ?? "")"></div>\
            <div><label for="state">State</label><select id="state" name="state">\(stateOptions)</select></div>\
            <div><label for="type">Type</label><select id="type" name="type">\(typeOptions)</select></div><div><button type="submit">Filter</button></div></form>
            <section class="card"><h2>Tokens</h2><div class="card-body"><p class="hint">\(shown)</p></div><div class="table-wrap"><table><thead><tr>\
            <th scope="col">Name</th><th scope="col">Owner</th><th scope="col">Type</th><th scope="col">Scopes</th><th scope="col">State</th><th scope="col">Created</th>\
            <th scope="col">Last used</th><th scope="col">Expires</th></tr></thead><tbody>\(rows)</tbody></table></div></section>
            """
        return PageResponse.html(.ok, Layout.page(title: "Credentials", current: path, viewer: viewer, content: content))
    }
}
