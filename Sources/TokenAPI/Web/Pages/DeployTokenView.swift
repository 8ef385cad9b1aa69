import TokenCore

/// The deploy tokens section of a repository settings page: the table of active tokens, the
/// form that adds one, the new username and value shown once, and the confirmation before a
/// revocation. Every value shown goes through ``HTML``.
struct DeployTokenView {
    /// The page's own path (`/<project path>/-/settings/repository`), actions below it.
    var basePath: String
    var viewer: SignedInUser
    var now: Timestamp

    /// The page of the table to show (``TablePage``, its `page` parameter).
    var pages = TablePage.Requested()

    /// Active tokens, newest first: name, username, created, expires, scopes, revoke; one
    /// ``TablePage`` of them under a heading that counts all of them.
    func table(_ tokens: [DeployToken]) -> HTML {
        let page = TablePage(requested: pages.active, total: tokens.count)
        let sorted = tokens.sorted(by: { $0.id > $1.id })
        var rows = HTML.empty
        for token in page.rows(sorted) {
            let scopes = token.scopes.map { scope -> HTML in "<span class=\"badge\">\(scope.rawValue)</span>" }
            rows.append("""
                <tr><td>\(token.name)</td><td>\(token.username)</td><td>\(token.createdAt.date.iso8601)</td>\
                <td>\(token.expiresAt.map { $0.date.iso8601 } ?? "Never")</td><td>\(scopes)</td>\
                <td><a href="\(basePath)/deploy_token/\(token.id.rawValue)/revoke" aria-label="Revoke \(token.name)">Revoke</a></td></tr>
                """)
        }
        if rows.utf8.isEmpty {
            let empty = tokens.isEmpty ? "This has no active deploy tokens." : "No tokens on this page."
            rows = "<tr><td class=\"empty\" colspan=\"6\">\(empty)</td></tr>"
        }
        var pager = HTML.empty
        page.writeNavigation(path: basePath, parameter: TablePage.Requested.active, label: "Pages of active deploy tokens", into: &pager)
        return """
            <section class="card" aria-labelledby="active-deploy-tokens"><h2 id="active-deploy-tokens">Active deploy tokens (\(tokens.count))</h2>\
            <div class="table-wrap"><table><caption class="skip">Active deploy tokens</caption><thead><tr><th scope="col">Name</th><th scope="col">Username</th>\
            <th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Scopes</th><th scope="col">Action</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>\(pager)</section>
            """
    }

    /// GitLab's description of each deploy token scope, as its form shows it.
    static func description(_ scope: Scope) -> String {
        switch scope.rawValue {
        case "read_repository": "Allows read-only access to the repository."
        case "read_registry": "Allows read-only access to registry images."
        case "write_registry": "Allows write access to registry images."
        case "read_package_registry": "Allows read access to the package registry."
        case "write_package_registry": "Allows write access to the package registry."
        case "read_virtual_registry": "Allows read-only access to container images through the dependency proxy."
        case "write_virtual_registry": "Allows read, write, and delete access to container images through the dependency proxy."
        default: ""
        }
    }

    /// The form that adds a token: name, expiry date (optional), username (optional), scopes.
    func createForm(values: WebContext?) -> HTML {
        let chosen = Set(values?.fields("scopes") ?? [])
        let boxes = DeployToken.availableScopes.map { scope -> HTML in
            let id = "deploy_token_\(scope.rawValue)"
            return """
                <div class="check"><input type="checkbox" id="\(id)" name="scopes[]" value="\(scope.rawValue)" aria-describedby="\(id)_hint"\(chosen.contains(scope.rawValue) ? HTML(raw: " checked") : HTML.empty)>\
                <div><label for="\(id)">\(scope.rawValue)</label><p class="hint" id="\(id)_hint">\(Self.description(scope))</p></div></div>
                """
        }
        return """
            <section class="card" aria-labelledby="new-deploy-token"><h2 id="new-deploy-token">New deploy token</h2><div class="card-body">
            <p>Pick a name for your unique deploy token.</p>
            <form method="post" action="\(basePath)/deploy_token/create">\(Layout.csrfField(viewer))
            <label for="deploy_token_name">Name</label><input type="text" id="deploy_token_name" name="name" required maxlength="255" value="\(values?.field("name") ?? "")">
            <label for="deploy_token_expires_at">Expiration date (optional)</label><input type="date" id="deploy_token_expires_at" name="expires_at" value="\(values?.field("expires_at") ?? "")" min="\(now.date.adding(days: 1).iso8601)" aria-describedby="deploy_expiry_hint">
            <p class="hint" id="deploy_expiry_hint">Unless you enter a date, the token does not expire.</p>
            <label for="deploy_token_username">Username (optional)</label><input type="text" id="deploy_token_username" name="username" maxlength="255" value="\(values?.field("username") ?? "")" aria-describedby="deploy_username_hint">
            <p class="hint" id="deploy_username_hint">Unless you specify a username, it is set to gitlab+deploy-token-{n}.</p>
            <fieldset><legend>Scopes (select at least one)</legend>\(boxes)</fieldset>
            <div class="actions"><button class="primary" type="submit">Create deploy token</button></div></form></div></section>
            """
    }

    /// The new username and value, shown this once, each with a copy button (script only adds them).
    static func newToken(_ plaintext: String, username: String, name: String) -> HTML {
        """
        <div class="alert success" role="status"><h2>Your new deploy token “\(name)” has been created</h2>
        <label for="deploy_token_user">Username</label><div class="secret"><input type="text" id="deploy_token_user" readonly value="\(username)" autocomplete="off" spellcheck="false">\
        <button class="copy" type="button" data-copy="deploy_token_user" hidden>Copy username</button></div>
        <label for="new_token_value">Token value</label><div class="secret"><input type="text" id="new_token_value" readonly value="\(plaintext)" autocomplete="off" spellcheck="false">\
        <button class="copy" type="button" data-copy="new_token_value" hidden>Copy token</button></div>
        <p>Use this token as a password. Make sure you save it — you won't be able to access it again.</p></div>
        """
    }

    /// The confirmation step before a revocation.
    func confirm(_ token: DeployToken) -> HTML {
        """
        <section class="card"><h2>Revoke deploy token?</h2><div class="card-body">\
        <p>Revoking “\(token.name)” (\(token.username)) stops it working at once. This cannot be undone.</p>
        <form method="post" action="\(basePath)/deploy_token/\(token.id.rawValue)/revoke">\(Layout.csrfField(viewer))
        <div class="actions"><button class="danger" type="submit">Revoke “\(token.name)”</button>\
        <a class="button" href="\(basePath)">Cancel</a></div></form></div></section>
        """
    }
}
