import HTTPTypes
import TokenCore

/// `/users/sign_in` (the form, and signing in), `/users/sign_out`, and `/`, which sends the
/// browser to its tokens or to sign in.
enum SignInPage {
    static let path = "/users/sign_in"

    static let routes: [WebRoute] = [
        WebRoute(.get, "", access: .anyone) { context in
            PageResponse.redirect(to: context.viewer == nil ? path : PersonalAccessTokenPage.path)
        },
        WebRoute(.get, "users/sign_in", access: .anyone) { try form($0) },
        WebRoute(.post, "users/sign_in", access: .anyone) { try signIn($0) },
        WebRoute(.post, "users/sign_out") { try signOut($0) },
    ]

    /// The form, with the pre-session's CSRF token (``SignInFormGuard``); a signed-in person
    /// goes straight on to where they were going.
    static func form(_ context: WebContext, error: String? = nil, status: HTTPResponse.Status = .ok) throws -> APIResponse {
        let next = RedirectTarget.sameOrigin(context.field("redirect_to"))
        if context.viewer != nil, error == nil, context.request.method != .post { return PageResponse.redirect(to: next ?? RedirectTarget.home) }
        let hidden: HTML? = next.map { "<input type=\"hidden\" name=\"redirect_to\" value=\"\($0)\">" }
        let alert: HTML? = error.map { Layout.alert("error", "\($0)") }
        let preSession = SignInFormGuard.preSession(context)
        let body: HTML = """
            <main id="content" class="signin"><h1>Sign in to tokend</h1>\(alert)
            <form method="post" action="\(path)">\(SignInFormGuard.csrfField(preSession: preSession.id, context.dependencies))\(hidden)
            <label for="user_login">Username or primary email</label><input type="text" id="user_login" name="user[login]" autocomplete="username" required autofocus value="\(context.field("user[login]") ?? "")">
            <label for="user_password">Password</label><input type="password" id="user_password" name="user[password]" autocomplete="current-password" required>
            <button class="primary" type="submit">Sign in</button></form></main>
            """
        var response = PageResponse.html(status, Layout.document(title: "Sign in", body: body))
        if let cookie = preSession.setCookie { response.headerFields[.setCookie] = cookie }
        return response
    }

    /// The form's POST: on success a fresh session's cookie and a redirect to a same-origin
    /// `redirect_to` (else the token page); on failure the form again, in GitLab's words (401,
    /// or 429 when throttled), the same whether or not the user exists.
    static func signIn(_ context: WebContext) throws -> APIResponse {
        let login = context.field("user[login]") ?? ""
        let password = context.field("user[password]") ?? ""
        switch try WebSignIn.signIn(context.request, login: login, password: password, dependencies: context.dependencies) {
        case .signedIn(_, let setCookie):
            var response = PageResponse.redirect(to: RedirectTarget.after(context.field("redirect_to")))
            response.headerFields[.setCookie] = setCookie
            return response
        case .refused(let refusal):
            return try form(context, error: refusal.message, status: refusal == .throttled ? .tooManyRequests : .unauthorized)
        }
    }

    /// Ends the session (the router has checked the form's origin and CSRF token) and clears
    /// the cookie.
    static func signOut(_ context: WebContext) throws -> APIResponse {
        let setCookie = try WebSignIn.signOut(context.request, dependencies: context.dependencies)
        var response = PageResponse.redirect(to: path)
        response.headerFields[.setCookie] = setCookie
        return response
    }
}
