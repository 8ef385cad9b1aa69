import TokenCore

/// The frame around every page: the head (tokend's own stylesheet and script, nothing else),
/// the top bar with the person and sign-out, the side navigation, and a skip link.
enum Layout {
    /// The settings of the project or group a page belongs to, linked in the side navigation.
    struct ResourceNavigation {
        var kind: ResourceKind
        var fullPath: String

        /// `/<project path>/-/settings/<page>` or `/groups/<group path>/-/settings/<page>`, each
        /// segment of the stored full path percent-encoded.
        static func settingsPath(_ kind: ResourceKind, _ fullPath: String, _ page: String) -> String {
            let encoded = fullPath.split(separator: "/").map { PercentEncoding.encodeQueryComponent(String($0)) }.joined(separator: "/")
            return (kind == .group ? "/groups/" : "/") + encoded + "/-/settings/" + page
        }

        func html(_ current: String) -> HTML {
            let noun = kind == .group ? "Group" : "Project"
            return """
                <h2>\(noun) settings</h2><p class="hint">\(fullPath)</p><ul>\
                \(Layout.link(ResourceTokenPage.basePath(kind, fullPath), "Access tokens", current))\
                \(Layout.link(DeployTokenPage.basePath(kind, fullPath), "Repository", current))</ul>
                """
        }
    }

    /// A signed-in page. `current` is the path of the navigation entry to mark; `resource`, the
    /// project or group whose settings the page shows.
    static func page(title: String, current: String, viewer: SignedInUser, content: HTML, resource: ResourceNavigation? = nil) -> HTML {
        page(title: title, current: current, viewer: viewer, capacity: content.utf8.count + 4096, resource: resource) { $0.append(content) }
    }

    /// A signed-in page whose content `write` appends into the page's one buffer (reserved for
    /// `capacity` bytes), for a page with a long table.
    static func page(
        title: String, current: String, viewer: SignedInUser, capacity: Int, resource: ResourceNavigation? = nil, write: (inout HTML) -> Void
    ) -> HTML {
        let admin: HTML? = viewer.caller.isAdmin ? """
            <h2>Admin area</h2><ul>\(link("/admin/users", "Users", current))\(link("/admin/credentials", "Credentials", current))\(link("/admin/audit_events", "Audit events", current))</ul>
            """ : nil
        var out = HTML(reservingCapacity: capacity)
        out.append(head(title: title))
        out.append("""
            <header class="top"><a class="brand" href="/">tokend</a><nav aria-label="Account"><span>\(viewer.user.name) (@\(viewer.user.username))</span>\
            <form class="inline" method="post" action="/users/sign_out">\(csrfField(viewer))<button class="link" type="submit">Sign out</button></form></nav></header>
            <div class="layout"><aside class="side"><nav aria-label="Settings"><h2>User settings</h2><ul>\
            \(link("/-/user_settings/personal_access_tokens", "Access tokens", current))\
            \(link("/-/user_settings/password/edit", "Password", current))</ul>\(resource?.html(current))\(admin)</nav></aside>
            <main id="content">
            """)
        write(&out)
        out.append(markup: "</main></div>")
        out.append(markup: foot)
        return out
    }

    /// The whole document.
    static func document(title: String, body: HTML) -> HTML {
        var out = HTML(reservingCapacity: body.utf8.count + 1024)
        out.append(head(title: title))
        out.append(body)
        out.append(markup: foot)
        return out
    }

    /// The document up to the body's content: tokend's own stylesheet and script, a skip link.
    static func head(title: String) -> HTML {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\
        <title>\(title) · tokend</title><link rel="stylesheet" href="\(WebAssets.stylesheet)"><script src="\(WebAssets.script)" defer></script></head>
        <body><a class="skip" href="#content">Skip to content</a>

        """
    }

    static let foot: StaticString = "\n</body></html>"

    static func link(_ path: String, _ label: String, _ current: String) -> HTML {
        path == current ? "<li><a href=\"\(path)\" aria-current=\"page\">\(label)</a></li>" : "<li><a href=\"\(path)\">\(label)</a></li>"
    }

    /// The hidden CSRF field every state-changing form carries.
    static func csrfField(_ viewer: SignedInUser) -> HTML {
        "<input type=\"hidden\" name=\"\(FormGuard.fieldName)\" value=\"\(viewer.csrfToken)\">"
    }

    /// A message above the content: `kind` is `error`, `success` or `notice`.
    static func alert(_ kind: String, _ message: HTML) -> HTML {
        "<div class=\"alert \(kind)\" role=\"\(kind == "error" ? "alert" : "status")\">\(message)</div>"
    }

    /// Every message of a refused form, as a list.
    static func errors(_ messages: [String]) -> HTML? {
        guard !messages.isEmpty else { return nil }
        let items = messages.map { message -> HTML in "<li>\(message)</li>" }
        return alert("error", "<p>The form could not be saved:</p><ul>\(items)</ul>")
    }
}
