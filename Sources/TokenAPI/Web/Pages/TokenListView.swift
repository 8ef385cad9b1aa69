import TokenCore

/// The parts every token page shares (personal, project, group, impersonation): the tables of
/// active and inactive tokens, the form that adds one, the new value shown once, and the
/// confirmation before a rotation or revocation. Every value shown goes through ``HTML``.
struct TokenListView {
    /// The page's own path (`/-/user_settings/personal_access_tokens`), actions below it.
    var basePath: String
    var viewer: SignedInUser
    var now: Timestamp
    /// The role column (project and group tokens).
    var roles: [UserID: AccessLevel]? = nil
    /// The page of each table to show (``TablePage``).
    var pages = TablePage.Requested()

    /// Active tokens, then inactive ones (revoked or expired), newest first, each table one
    /// ``TablePage`` of rows under a heading that counts all of them. Written into `out` row by
    /// row: one buffer, never nested fragments.
    func writeTables(_ tokens: [AccessToken], into out: inout HTML) {
        var active: [AccessToken] = []
        var inactive: [AccessToken] = []
        active.reserveCapacity(tokens.count)
        for token in tokens.sorted(by: { $0.id.rawValue > $1.id.rawValue }) {
            if token.isActive(at: now) { active.append(token) } else { inactive.append(token) }
        }
        let activePage = TablePage(requested: pages.active, total: active.count)
        let inactivePage = TablePage(requested: pages.inactive, total: inactive.count)
        writeSection(
            "active-tokens", title: "Active tokens", activePage.rows(active), of: activePage, actions: true,
            parameter: TablePage.Requested.active, keeping: (TablePage.Requested.inactive, inactivePage), into: &out)
        out.append(markup: "\n")
        writeSection(
            "inactive-tokens", title: "Inactive tokens", inactivePage.rows(inactive), of: inactivePage, actions: false,
            parameter: TablePage.Requested.inactive, keeping: (TablePage.Requested.active, activePage), into: &out)
        out.append(markup: "\n")
    }

    /// One table's card: its heading (counting every row of `page`), the rows shown, and the
    /// links to its other pages, which keep the other table's page (`keeping`).
    private func writeSection(
        _ id: StaticString, title: StaticString, _ rows: ArraySlice<AccessToken>, of page: TablePage, actions: Bool,
        parameter: StaticString, keeping: (name: StaticString, page: TablePage), into out: inout HTML
    ) {
        out.append(markup: "<section class=\"card\" aria-labelledby=\"")
        out.append(markup: id)
        out.append(markup: "\"><h2 id=\"")
        out.append(markup: id)
        out.append(markup: "\">")
        out.append(markup: title)
        out.append(markup: " (")
        out.append(number: page.total)
        out.append(markup: ")</h2><div class=\"table-wrap\">")
        writeTable(rows, actions: actions, into: &out)
        out.append(markup: "</div>")
        page.writeNavigation(
            path: basePath, parameter: parameter, label: "Pages of \(title.description.lowercased())", keeping: [keeping], into: &out)
        out.append(markup: "</section>")
    }

    /// The bytes a page of `count` tokens takes, about, to reserve up front (two tables of at
    /// most one ``TablePage`` each).
    static func capacity(for count: Int) -> Int { 16_384 + 640 * min(count, 2 * TablePage.size) }

    func writeTable(_ tokens: ArraySlice<AccessToken>, actions: Bool, into out: inout HTML) {
        out.append(markup: "<table><caption class=\"skip\">")
        out.append(markup: actions ? "Active tokens" : "Inactive tokens")
        out.append(markup: "</caption><thead><tr><th scope=\"col\">Token name</th><th scope=\"col\">Description</th><th scope=\"col\">Scopes</th>")
        if roles != nil { out.append(markup: "<th scope=\"col\">Role</th>") }
        out.append(markup: "<th scope=\"col\">Created</th><th scope=\"col\">Last used</th><th scope=\"col\">")
        out.append(markup: actions ? "Expires</th><th scope=\"col\">Action</th>" : "State</th>")
        out.append(markup: "</tr></thead>\n<tbody>")
        for token in tokens { writeRow(token, actions: actions, into: &out) }
        if tokens.isEmpty {
            out.append(markup: "<tr><td class=\"empty\" colspan=\"8\">")
            // An empty slice of a table that has rows: a page past the last.
            if tokens.startIndex > 0 {
                out.append(markup: "No tokens on this page.")
            } else {
                out.append(markup: actions ? "This user has no active access tokens." : "This user has no inactive access tokens.")
            }
            out.append(markup: "</td></tr>")
        }
        out.append(markup: "</tbody></table>")
    }

    /// One row, each value escaped as it is appended, each date written once in place.
    func writeRow(_ token: AccessToken, actions: Bool, into out: inout HTML) {
        out.append(markup: "<tr><td>")
        out.append(text: token.name)
        out.append(markup: "</td><td>")
        if let description = token.description { out.append(text: description) }
        out.append(markup: "</td><td>")
        for scope in token.scopes {
            out.append(markup: "<span class=\"badge\">")
            out.append(text: scope.rawValue)
            out.append(markup: "</span>")
        }
        out.append(markup: "</td>")
        if let roles {
            out.append(markup: "<td>")
            if let level = roles[token.userID] { out.append(text: Self.roleName(level)) }
            out.append(markup: "</td>")
        }
        out.append(markup: "<td>")
        out.append(date: token.createdAt.date)
        out.append(markup: "</td><td>")
        if let lastUsed = token.lastUsedAt { out.append(instant: lastUsed) } else { out.append(markup: "Never") }
        out.append(markup: "</td><td>")
        if actions {
            if let expiry = token.expiresAt { out.append(date: expiry) } else { out.append(markup: "Never") }
            out.append(markup: "</td><td><a href=\"")
            writeActionPath(token, "rotate", into: &out)
            out.append(markup: "\" aria-label=\"Rotate ")
            out.append(text: token.name)
            out.append(markup: "\">Rotate</a> · <a href=\"")
            writeActionPath(token, "revoke", into: &out)
            out.append(markup: "\" aria-label=\"Revoke ")
            out.append(text: token.name)
            out.append(markup: "\">Revoke</a>")
        } else if token.revoked {
            out.append(markup: "<span class=\"badge danger\">Revoked</span>")
        } else {
            out.append(markup: "<span class=\"badge\">Expired ")
            if let expiry = token.expiresAt { out.append(date: expiry) }
            out.append(markup: "</span>")
        }
        out.append(markup: "</td></tr>\n")
    }

    private func writeActionPath(_ token: AccessToken, _ action: StaticString, into out: inout HTML) {
        out.append(text: basePath)
        out.append(markup: "/")
        out.append(number: token.id.rawValue)
        out.append(markup: "/")
        out.append(markup: action)
    }

    /// The form that adds a token: name, description, expiry (prefilled), scopes, and a role
    /// when `levels` is given.
    func createForm(scopes: [Scope], defaultExpiry: CivilDate?, maximumExpiry: CivilDate?, levels: [AccessLevel]? = nil, values: WebContext? = nil, title: String = "Add a personal access token") -> HTML {
        let chosen = Set(values?.fields("scopes") ?? [])
        let boxes = scopes.map { scope -> HTML in
            let id = "scope_\(scope.rawValue)"
            return """
                <div class="check"><input type="checkbox" id="\(id)" name="scopes[]" value="\(scope.rawValue)" aria-describedby="\(id)_hint"\(chosen.contains(scope.rawValue) ? HTML(raw: " checked") : HTML.empty)>\
                <div><label for="\(id)">\(scope.rawValue)</label><p class="hint" id="\(id)_hint">\(ScopeDescriptions.of(scope))</p></div></div>
                """
        }
        let expiry = values?.field("expires_at") ?? defaultExpiry?.iso8601 ?? ""
        let role: HTML? = levels.map { levels in
            let picked = values?.field("access_level") ?? String(AccessLevel.maintainer.rawValue)
            let options = levels.map { level -> HTML in
                "<option value=\"\(level.rawValue)\"\(String(level.rawValue) == picked ? HTML(raw: " selected") : HTML.empty)>\(Self.roleName(level))</option>"
            }
            return "<label for=\"access_level\">Role</label><select id=\"access_level\" name=\"access_level\">\(options)</select>"
        }
        let maxAttribute: HTML? = maximumExpiry.map { " max=\"\($0.iso8601)\"" }
        return """
            <section class="card" aria-labelledby="new-token"><h2 id="new-token">\(title)</h2><div class="card-body">
            <form method="post" action="\(basePath)">\(Layout.csrfField(viewer))
            <label for="token_name">Token name</label><input type="text" id="token_name" name="name" required maxlength="255" value="\(values?.field("name") ?? "")">
            <label for="token_description">Description (optional)</label><input type="text" id="token_description" name="description" maxlength="255" value="\(values?.field("description") ?? "")">
            <label for="token_expires_at">Expiration date</label><input type="date" id="token_expires_at" name="expires_at" value="\(expiry)" min="\(now.date.adding(days: 1).iso8601)"\(maxAttribute) aria-describedby="expiry_hint">
            <p class="hint" id="expiry_hint">\(maximumExpiry == nil ? "Leave empty for a token that does not expire." : "The instance allows at most \(maximumExpiry!.iso8601).")</p>
            \(role)
            <fieldset><legend>Select scopes</legend><p class="hint">Scopes set the permission levels granted to the token.</p>\(boxes)</fieldset>
            <div class="actions"><button class="primary" type="submit">Create token</button></div></form></div></section>
            """
    }

    /// The new value, shown this once, with a copy button (script only adds the button).
    static func newToken(_ plaintext: String, name: String) -> HTML {
        """
        <div class="alert success" role="status"><h2>Your new token “\(name)” has been created</h2>
        <label for="new_token_value">Token value</label><div class="secret"><input type="text" id="new_token_value" readonly value="\(plaintext)" autocomplete="off" spellcheck="false">\
        <button class="copy" type="button" data-copy="new_token_value" hidden>Copy token</button></div>
        <p>Make sure you save it — you won't be able to access it again.</p></div>
        """
    }

    /// The confirmation step before a rotation or revocation (a page, so it works without script).
    func confirm(_ token: AccessToken, action: String) -> HTML {
        let rotate = action == "rotate"
        let question: HTML = rotate
            ? "Rotating “\(token.name)” revokes its current value at once and shows a new one, with the same scopes, once."
            : "Revoking “\(token.name)” stops it working at once. This cannot be undone."
        return """
            <section class="card"><h2>\(rotate ? "Rotate" : "Revoke") token?</h2><div class="card-body"><p>\(question)</p>
            <form method="post" action="\(basePath)/\(token.id.rawValue)/\(action)">\(Layout.csrfField(viewer))
            <div class="actions"><button class="\(rotate ? "primary" : "danger")" type="submit">\(rotate ? "Rotate" : "Revoke") “\(token.name)”</button>\
            <a class="button" href="\(basePath)">Cancel</a></div></form></div></section>
            """
    }

    static func instant(_ time: Timestamp) -> String {
        let text = time.iso8601
        guard text.utf8.count >= 16 else { return text }
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5)) + " UTC"
    }

    static func roleName(_ level: AccessLevel) -> String {
        switch level {
        case .noAccess: "No access"
        case .minimalAccess: "Minimal Access"
        case .guest: "Guest"
        case .planner: "Planner"
        case .reporter: "Reporter"
        case .developer: "Developer"
        case .maintainer: "Maintainer"
        case .owner: "Owner"
        }
    }
}

extension TokenListView {
    /// The tables as one fragment, for a page that interpolates them.
    func tables(_ tokens: [AccessToken]) -> HTML {
        var out = HTML(reservingCapacity: Self.capacity(for: tokens.count))
        writeTables(tokens, into: &out)
        return out
    }
}
