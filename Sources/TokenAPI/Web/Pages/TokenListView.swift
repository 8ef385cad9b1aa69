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

    /// Active tokens, then inactive ones (revoked or expired), newest first.
    func tables(_ tokens: [AccessToken]) -> HTML {
        let sorted = tokens.sorted { $0.id.rawValue > $1.id.rawValue }
        let active = sorted.filter { $0.isActive(at: now) }
        let inactive = sorted.filter { !$0.isActive(at: now) }
        return """
            <section class="card" aria-labelledby="active-tokens"><h2 id="active-tokens">Active tokens (\(active.count))</h2>\
            <div class="table-wrap">\(table(active, actions: true, caption: "Active tokens"))</div></section>
            <section class="card" aria-labelledby="inactive-tokens"><h2 id="inactive-tokens">Inactive tokens (\(inactive.count))</h2>\
            <div class="table-wrap">\(table(inactive, actions: false, caption: "Inactive tokens"))</div></section>
            """
    }

    func table(_ tokens: [AccessToken], actions: Bool, caption: String) -> HTML {
        let roleHead: HTML? = roles == nil ? nil : "<th scope=\"col\">Role</th>"
        var rows: [HTML] = []
        rows.reserveCapacity(tokens.count)
        for token in tokens { rows.append(row(token, actions: actions)) }
        if rows.isEmpty {
            rows.append("<tr><td class=\"empty\" colspan=\"8\">\(actions ? "This user has no active access tokens." : "This user has no inactive access tokens.")</td></tr>")
        }
        return """
            <table><caption class="skip">\(caption)</caption><thead><tr><th scope="col">Token name</th><th scope="col">Description</th><th scope="col">Scopes</th>\(roleHead)\
            <th scope="col">Created</th><th scope="col">Last used</th><th scope="col">\(actions ? "Expires" : "State")</th>\(actions ? HTML(raw: "<th scope=\"col\">Action</th>") : HTML.empty)</tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    func row(_ token: AccessToken, actions: Bool) -> HTML {
        let scopes = token.scopes.map { scope -> HTML in "<span class=\"badge\">\(scope.rawValue)</span>" }
        let role: HTML? = roles.map { roles in "<td>\(roles[token.userID].map(Self.roleName) ?? "")</td>" }
        let state: HTML = actions
            ? "\(token.expiresAt?.iso8601 ?? "Never")"
            : (token.revoked ? "<span class=\"badge danger\">Revoked</span>" : "<span class=\"badge\">Expired \(token.expiresAt?.iso8601 ?? "")</span>")
        let action: HTML? = actions
            ? """
            <td><a href="\(basePath)/\(token.id.rawValue)/rotate" aria-label="Rotate \(token.name)">Rotate</a> · \
            <a href="\(basePath)/\(token.id.rawValue)/revoke" aria-label="Revoke \(token.name)">Revoke</a></td>
            """ : nil
        return """
            <tr><td>\(token.name)</td><td>\(token.description ?? "")</td><td>\(scopes)</td>\(role)<td>\(token.createdAt.date.iso8601)</td>\
            <td>\(token.lastUsedAt.map(Self.instant) ?? "Never")</td><td>\(state)</td>\(action)</tr>
            """
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
