import HTTPTypes
import TokenCore

/// `/-/user_settings/personal_access_tokens`: the signed-in person's own personal access
/// tokens (never impersonation tokens, as the API's list shows a non-admin), created, rotated
/// and revoked through the same ``TokenIssuer`` as the API, each in one transaction that finds
/// the token among the person's own.
enum PersonalAccessTokenPage {
    static let path = "/-/user_settings/personal_access_tokens"
    static let base = "-/user_settings/personal_access_tokens"

    static let routes: [WebRoute] = [
        WebRoute(.get, base) { try show($0) },
        WebRoute(.post, base) { try create($0) },
        WebRoute(.get, base + "/:id/:action") { try confirm($0) },
        WebRoute(.post, base + "/:id/:action") { try act($0) },
    ]

    /// Scopes the person may give their own token: an administrator's include the admin ones.
    static func offeredScopes(_ viewer: SignedInUser) -> [Scope] { viewer.user.isAdmin ? Scope.all : Scope.nonAdmin }

    /// GitLab's page prefills 30 days from today, or the instance's maximum when that is sooner.
    static func defaultExpiry(_ issuer: TokenIssuer) -> CivilDate {
        let thirty = issuer.today.adding(days: 30)
        return issuer.maximumExpiry.map { min($0, thirty) } ?? thirty
    }

    static func show(_ context: WebContext, banner: HTML? = nil, form: WebContext? = nil, status: HTTPResponse.Status = .ok) throws -> APIResponse {
        let viewer = try context.person
        let me = viewer.user.id
        let banner = try PageFlash.banner(context, else: banner)
        let tokens = try context.read { state in state.tokens(ownedBy: me).filter { !$0.impersonation } }
        let issuer = context.api.issuer
        let view = TokenListView(basePath: path, viewer: viewer, now: context.now, pages: TablePage.Requested(context))
        let page = Layout.page(title: "Personal access tokens", current: path, viewer: viewer, capacity: TokenListView.capacity(for: tokens.count)) { out in
            out.append("""
                <h1>Personal access tokens</h1>
                <p class="lead">You can generate a personal access token for each application you use that needs access to the GitLab API. You can also use personal access tokens to authenticate against Git over HTTP.</p>
                \(banner)
                """)
            view.writeTables(tokens, into: &out)
            out.append(view.createForm(scopes: offeredScopes(viewer), defaultExpiry: defaultExpiry(issuer), maximumExpiry: issuer.maximumExpiry, values: form))
        }
        return PageResponse.html(status, page)
    }

    /// Creates the person's token; its value is kept for the page this answer redirects to
    /// (``PageFlash``), which shows it once.
    static func create(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        guard let form = TokenForm(context, allowed: Set(offeredScopes(viewer)), issuer: context.api.issuer) else {
            return try show(context, banner: Layout.errors(["Expiration date is not a date"]), form: context, status: .unprocessableContent)
        }
        let issuer = context.api.issuer
        let me = viewer.user.id
        do {
            try context.write { state throws in
                guard let owner = state.user(me) else { throw HTTPError.notFound }
                if let problem = form.scopeProblem { throw problem }
                let issued = try issuer.create(form.request, for: owner, in: &state)
                try PageFlash.newToken(name: issued.token.name, value: issued.plaintext).keep(for: viewer, in: &state)
            }
            return PageFlash.redirect(to: path)
        } catch let error as TokenError {
            return try show(context, banner: Layout.errors(TokenForm.messages(error)), form: context, status: .unprocessableContent)
        }
    }

    /// The person's own token `:id` (404 for anyone else's, as the page shows only their own).
    static func ownToken(_ context: WebContext, in state: borrowing StoreState) throws(HTTPError) -> AccessToken {
        guard let id = try context.path.integer("id"), let token = state.token(TokenID(id)),
            let viewer = context.viewer, token.userID == viewer.user.id, !token.impersonation
        else { throw HTTPError.notFound }
        return token
    }

    static func action(_ context: WebContext) throws(HTTPError) -> String {
        let action = try context.path.require("action")
        guard action == "rotate" || action == "revoke" else { throw HTTPError.notFound }
        return action
    }

    static func confirm(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        let action = try action(context)
        let token = try context.read { state throws(HTTPError) in try ownToken(context, in: state) }
        guard token.isActive(at: context.now) else { throw HTTPError.notFound }
        let view = TokenListView(basePath: path, viewer: viewer, now: context.now)
        return PageResponse.html(.ok, Layout.page(
            title: "Personal access tokens", current: path, viewer: viewer,
            content: "<h1>Personal access tokens</h1>\(view.confirm(token, action: action))"))
    }

    /// Rotates or revokes, the token found among the person's own inside the transaction; the
    /// outcome is kept for the page this answer redirects to (``PageFlash``).
    static func act(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        let action = try action(context)
        let issuer = context.api.issuer
        do {
            try context.write { state throws in
                let token = try ownToken(context, in: state)
                if action == "revoke" {
                    try issuer.revoke(token.id, in: &state)
                    try PageFlash.notice("Revoked the token “\(token.name)”.").keep(for: viewer, in: &state)
                } else {
                    let issued = try issuer.rotate(token.id, expiresAt: nil, in: &state)
                    try PageFlash.newToken(name: issued.token.name, value: issued.plaintext).keep(for: viewer, in: &state)
                }
            }
            return PageFlash.redirect(to: path)
        } catch let error as TokenError {
            return try show(context, banner: Layout.errors(TokenForm.messages(error)), status: .unprocessableContent)
        }
    }
}
