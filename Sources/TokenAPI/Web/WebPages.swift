import HTTPTypes
import Logging
import TokenCore

/// Answers a request at a page path: parameters within the API's bounds, the signed-in person,
/// the page's access rule, and for every state-changing form the origin and CSRF checks (the
/// session's token, or before sign-in the pre-session's, ``SignInFormGuard``), then
/// the page. Every failure is a page too (never JSON, never a 500 that says more than that),
/// and every answer carries ``PageResponse``'s headers.
enum WebPages {
    /// Every page tokend serves, in one list (the ``Router`` holds it).
    static let routes: [WebRoute] = WebAssets.routes + SignInPage.routes + PersonalAccessTokenPage.routes + PasswordPage.routes
        + AdminUsersPage.routes + ImpersonationTokenPage.routes + CredentialsPage.routes + AuditEventsPage.routes
        + ResourceTokenPage.routes + DeployTokenPage.routes

    static func answer(_ request: APIRequest, route: WebRoute, captures: PathParameters, dependencies: APIDependencies) -> Answer {
        var telemetry = Telemetry(route: "/" + route.template)
        var response: APIResponse
        do {
            try RequestParsing.checkWellFormed(request)
            let parameters = try RequestParsing.parameters(of: request, limit: dependencies.maximumBodySize)
            let viewer = try WebSignIn.signedInUser(request, dependencies: dependencies)
            telemetry.userID = viewer?.user.id.rawValue
            let api = viewer?.context(for: request, parameters: parameters, path: captures)
                ?? RequestContext(
                    request: request, path: captures, parameters: parameters, credential: nil, caller: nil,
                    dependencies: dependencies, now: dependencies.clock.now(), session: nil)
            let context = WebContext(api: api, viewer: viewer)
            if let refusal = try admit(route, context) {
                response = refusal
            } else {
                response = try route.handler(context)
            }
            // The web server's sign-in started a session on this request: the browser keeps it.
            if let cookie = viewer?.setCookie, response.headerFields[.setCookie] == nil { response.headerFields[.setCookie] = cookie }
        } catch {
            response = errorPage(for: error, dependencies: dependencies, request: request, route: route)
        }
        PageResponse.secure(&response)
        return Answer(response: response, telemetry: telemetry)
    }

    /// The page's access rule and, for a form that changes something, the origin and CSRF
    /// checks. Returns the answer that replaces the page (a redirect to sign in), or throws.
    private static func admit(_ route: WebRoute, _ context: WebContext) throws(HTTPError) -> APIResponse? {
        let request = context.request
        let changes = request.method != .get && request.method != .head
        if changes { try FormGuard.checkOrigin(request, expectedOrigin: FormGuard.origin(of: context.api.webBase)) }
        switch route.access {
        case .anyone:
            // A form anyone may send (signing in) carries the pre-session's token instead.
            if changes { try SignInFormGuard.check(context) }
            return nil
        case .signedIn, .admin:
            guard let viewer = context.viewer else {
                if changes { return PageResponse.redirect(to: SignInPage.path) }
                return PageResponse.redirect(to: SignInPage.path + "?redirect_to=" + PercentEncoding.encodeQueryComponent(request.target))
            }
            if route.access == .admin, !viewer.caller.isAdmin { throw HTTPError.notFound }
            if changes, !viewer.checkCSRFToken(context.field(FormGuard.fieldName)) { throw FormGuard.refused }
            return nil
        }
    }

    /// A refusal as a page with GitLab's status: 404 for what the person may not see (whether
    /// it exists or not), 422 for a forged form, 400 for a malformed request.
    static func errorPage(for error: any Error, dependencies: APIDependencies, request: APIRequest, route: WebRoute) -> APIResponse {
        let mapped = (error as? HTTPError) ?? ErrorMapping.httpError(for: error, style: .fieldMap)
        if mapped == nil {
            dependencies.logger.forRequest(request.requestID).error(
                "unhandled page error", metadata: ["route": "/\(route.template)", "error": "\(type(of: error))"])
        }
        let status = mapped?.status ?? .internalServerError
        let (title, text): (String, String) = switch status.code {
        case 404: ("Page not found", "The page could not be found or you don't have permission to view it.")
        case 422: ("The change you requested was rejected", "The form was not sent from this site's page, or your session changed. Reload the page and try again.")
        case 400: ("Bad request", "The request could not be understood.")
        case 413: ("Request too large", "The form is larger than this server accepts.")
        case 401: ("Sign in required", "Sign in to open this page.")
        case 403: ("Forbidden", "You don't have permission to do this.")
        case 503: ("Service unavailable", "The store could not be reached. Try again shortly.")
        default: ("Something went wrong", "The server could not answer this request.")
        }
        let body: HTML = """
            <main id="content" class="signin"><h1>\(status.code): \(title)</h1><p>\(text)</p><p><a href="/">Go to your access tokens</a></p></main>
            """
        return PageResponse.html(status, Layout.document(title: title, body: body))
    }
}
