import HTTPTypes
import TokenCore

/// `/admin/users/<username>/impersonation_tokens` (administrators only): a user's impersonation
/// tokens, created and revoked through the API's ``TokenIssuer`` (no default expiry, as the API).
enum ImpersonationTokenPage {
    static let base = "admin/users/:username/impersonation_tokens"

    static let routes: [WebRoute] = [
        WebRoute(.get, base, access: .admin) { try show($0) },
        WebRoute(.post, base, access: .admin) { try create($0) },
        WebRoute(.get, base + "/:id/:action", access: .admin) { try confirm($0) },
        WebRoute(.post, base + "/:id/:action", access: .admin) { try act($0) },
    ]

    static func owner(_ context: WebContext, in state: borrowing StoreState) throws(HTTPError) -> User {
        guard let user = state.user(username: try context.path.require("username")), !user.isBot else { throw HTTPError.notFound }
        return user
    }

    static func path(_ user: User) -> String { "/admin/users/\(PercentEncoding.encodeQueryComponent(user.username))/impersonation_tokens" }

    static func show(_ context: WebContext, banner: HTML? = nil, form: WebContext? = nil, status: HTTPResponse.Status = .ok) throws -> APIResponse {
        let viewer = try context.person
        let banner = try PageFlash.banner(context, else: banner)
        let (user, tokens) = try context.read { state throws -> (User, [AccessToken]) in
            let user = try owner(context, in: state)
            return (user, state.tokens(ownedBy: user.id).filter(\.impersonation))
        }
        let issuer = context.api.issuer
        let view = TokenListView(basePath: path(user), viewer: viewer, now: context.now, pages: TablePage.Requested(context))
        let content: HTML = """
            <h1>Impersonation tokens of @\(user.username)</h1><p class="lead">Tokens that act as \(user.name) through the API.</p>
            \(banner)\(view.tables(tokens))\
            \(view.createForm(scopes: Scope.all, defaultExpiry: PersonalAccessTokenPage.defaultExpiry(issuer), maximumExpiry: issuer.maximumExpiry, values: form, title: "Add an impersonation token"))
            """
        return PageResponse.html(status, Layout.page(title: "Impersonation tokens", current: AdminUsersPage.path, viewer: viewer, content: content))
    }

    static func create(_ context: WebContext) throws -> APIResponse {
        guard var form = TokenForm(context, allowed: Scope.allSet, issuer: context.api.issuer) else {
            return try show(context, banner: Layout.errors(["Expiration date is not a date"]), form: context, status: .unprocessableContent)
        }
        form.request.impersonation = true
        let viewer = try context.person
        let issuer = context.api.issuer
        do {
            let user = try context.write { state throws -> User in
                let user = try owner(context, in: state)
                let issued = try issuer.create(form.request, for: user, in: &state)
                try PageFlash.newToken(name: issued.token.name, value: issued.plaintext).keep(for: viewer, in: &state)
                return user
            }
            return PageFlash.redirect(to: path(user))
        } catch let error as TokenError {
            return try show(context, banner: Layout.errors(TokenForm.messages(error)), form: context, status: .unprocessableContent)
        }
    }

    static func impersonationToken(_ context: WebContext, in state: borrowing StoreState) throws(HTTPError) -> AccessToken {
        let user = try owner(context, in: state)
        guard let id = try context.path.integer("id"), let token = state.token(TokenID(id)), token.userID == user.id, token.impersonation
        else { throw HTTPError.notFound }
        return token
    }

    static func confirm(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        guard try PersonalAccessTokenPage.action(context) == "revoke" else { throw HTTPError.notFound }
        let (user, token) = try context.read { state throws -> (User, AccessToken) in (try owner(context, in: state), try impersonationToken(context, in: state)) }
        let view = TokenListView(basePath: path(user), viewer: viewer, now: context.now)
        return PageResponse.html(.ok, Layout.page(
            title: "Impersonation tokens", current: AdminUsersPage.path, viewer: viewer,
            content: "<h1>Impersonation tokens of @\(user.username)</h1>\(view.confirm(token, action: "revoke"))"))
    }

    static func act(_ context: WebContext) throws -> APIResponse {
        guard try PersonalAccessTokenPage.action(context) == "revoke" else { throw HTTPError.notFound }
        let viewer = try context.person
        let issuer = context.api.issuer
        let user = try context.write { state throws -> User in
            let token = try impersonationToken(context, in: state)
            try issuer.revoke(token.id, in: &state)
            try PageFlash.notice("Revoked the impersonation token “\(token.name)”.").keep(for: viewer, in: &state)
            return try owner(context, in: state)
        }
        return PageFlash.redirect(to: path(user))
    }
}
