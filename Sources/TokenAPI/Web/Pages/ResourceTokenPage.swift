import HTTPTypes
import TokenCore

/// `/<project path>/-/settings/access_tokens` and `/groups/<group path>/-/settings/access_tokens`:
/// a project's or group's access tokens, with a role, for those the API lets list them
/// (``AccessPolicy/canAdminister``); anyone else gets GitLab's 404, whether the resource exists
/// or not. Creation, rotation and revocation go through the API's ``ResourceTokenService``,
/// which checks the person's rights again inside the write.
enum ResourceTokenPage {
    static let routes: [WebRoute] = [ResourceKind.group, .project].flatMap { kind in
        let base = (kind == .group ? "groups/" : "") + "*id/-/settings/access_tokens"
        return [
            WebRoute(.get, base) { try show($0, kind) },
            WebRoute(.post, base) { try create($0, kind) },
            WebRoute(.get, base + "/:token_id/:action") { try confirm($0, kind) },
            WebRoute(.post, base + "/:token_id/:action") { try act($0, kind) },
        ]
    }

    /// What the page shows of a resource the person may manage.
    struct Listing {
        var resource: Resource
        var fullPath: String
        var tokens: [AccessToken]
        var roles: [UserID: AccessLevel]
    }

    /// The resource, if the person may see its tokens (the API's list rule); else 404.
    static func listing(_ context: WebContext, _ kind: ResourceKind) throws -> Listing {
        let viewer = try context.person
        let now = context.now
        return try context.read { state throws -> Listing in
            let resource = try context.api.visibleResource(kind, in: state)
            guard AccessPolicy.canAdminister(resource, by: viewer.caller, state: state, now: now) else { throw HTTPError.notFound }
            var roles: [UserID: AccessLevel] = [:]
            for member in state.resources.members(of: resource) { roles[member.userID] = member.accessLevel }
            return Listing(
                resource: resource, fullPath: state.resources.fullPath(of: resource) ?? "",
                tokens: ResourceTokenService.tokens(of: resource, state: state), roles: roles)
        }
    }

    static func basePath(_ kind: ResourceKind, _ fullPath: String) -> String {
        Layout.ResourceNavigation.settingsPath(kind, fullPath, "access_tokens")
    }

    static func show(_ context: WebContext, _ kind: ResourceKind, banner: HTML? = nil, form: WebContext? = nil, status: HTTPResponse.Status = .ok) throws -> APIResponse {
        let viewer = try context.person
        let listing = try listing(context, kind)
        let banner = try PageFlash.banner(context, else: banner)
        let path = basePath(kind, listing.fullPath)
        let issuer = context.api.issuer
        let view = TokenListView(basePath: path, viewer: viewer, now: context.now, roles: listing.roles, pages: TablePage.Requested(context))
        let noun = kind == .group ? "Group" : "Project"
        let content: HTML = """
            <h1>\(noun) access tokens</h1><p class="lead">\(listing.fullPath): tokens that act as a bot member of this \(kind == .group ? "group" : "project"), with the role you give it.</p>
            \(banner)\(view.tables(listing.tokens))\
            \(view.createForm(scopes: Scope.resourceBot, defaultExpiry: PersonalAccessTokenPage.defaultExpiry(issuer), maximumExpiry: issuer.maximumExpiry, levels: AccessLevel.memberLevels, values: form, title: "Add a \(kind == .group ? "group" : "project") access token"))
            """
        return PageResponse.html(status, Layout.page(
            title: "\(noun) access tokens", current: path, viewer: viewer, content: content,
            resource: Layout.ResourceNavigation(kind: kind, fullPath: listing.fullPath)))
    }

    static func service(_ context: WebContext) -> ResourceTokenService {
        ResourceTokenService(issuer: context.api.issuer, random: context.dependencies.random, host: context.api.host)
    }

    static func create(_ context: WebContext, _ kind: ResourceKind) throws -> APIResponse {
        let viewer = try context.person
        let listing = try listing(context, kind)
        guard let form = TokenForm(context, allowed: Set(Scope.resourceBot), issuer: context.api.issuer),
            let level = context.field("access_level").flatMap(Int.init).flatMap(AccessLevel.init(rawValue:)),
            AccessLevel.memberLevels.contains(level)
        else { return try show(context, kind, banner: Layout.errors(["Expiration date or role is not valid"]), form: context, status: .unprocessableContent) }
        let service = service(context)
        do {
            try context.write { state throws in
                let resource = try context.api.visibleResource(kind, in: state)
                if let problem = form.scopeProblem { throw ResourceTokenService.Failure.token(problem) }
                let issued = try service.create(form.request, accessLevel: level, in: resource, by: viewer.caller, state: &state)
                try PageFlash.newToken(name: issued.token.name, value: issued.plaintext).keep(for: viewer, in: &state)
            }
            return PageFlash.redirect(to: basePath(kind, listing.fullPath))
        } catch let failure as ResourceTokenService.Failure {
            return try show(context, kind, banner: Layout.errors(messages(failure)), form: context, status: .unprocessableContent)
        }
    }

    static func messages(_ failure: ResourceTokenService.Failure) -> [String] {
        if case .token(let error) = failure { return TokenForm.messages(error) }
        return [failure.reason]
    }

    /// The resource's own token `:token_id` (404 for any other).
    static func ownToken(_ context: WebContext, of resource: Resource, in state: borrowing StoreState) throws(HTTPError) -> AccessToken {
        guard let id = try context.path.integer("token_id"), let token = state.token(TokenID(id)),
            ResourceTokenService.belongs(token, to: resource, state: state)
        else { throw HTTPError.notFound }
        return token
    }

    static func confirm(_ context: WebContext, _ kind: ResourceKind) throws -> APIResponse {
        let viewer = try context.person
        let action = try PersonalAccessTokenPage.action(context)
        let listing = try listing(context, kind)
        let token = try context.read { state throws(HTTPError) in try ownToken(context, of: listing.resource, in: state) }
        guard token.isActive(at: context.now) else { throw HTTPError.notFound }
        let path = basePath(kind, listing.fullPath)
        let view = TokenListView(basePath: path, viewer: viewer, now: context.now)
        return PageResponse.html(.ok, Layout.page(
            title: "Access tokens", current: path, viewer: viewer, content: "<h1>Access tokens</h1>\(view.confirm(token, action: action))",
            resource: Layout.ResourceNavigation(kind: kind, fullPath: listing.fullPath)))
    }

    /// Rotate: the API's rule (may manage tokens, the token the resource's own), then the
    /// service's level rule. Revoke: the service's rule. All inside the one write.
    static func act(_ context: WebContext, _ kind: ResourceKind) throws -> APIResponse {
        let viewer = try context.person
        let action = try PersonalAccessTokenPage.action(context)
        let listing = try listing(context, kind)
        let (service, caller, now) = (service(context), viewer.caller, context.now)
        do {
            try context.write { state throws in
                let resource = try context.api.visibleResource(kind, in: state)
                if action == "revoke" {
                    let token = try ownToken(context, of: resource, in: state)
                    try service.revoke(token, in: resource, by: caller, state: &state)
                    try PageFlash.notice("Revoked the token “\(token.name)”.").keep(for: viewer, in: &state)
                } else {
                    guard AccessPolicy.canManageTokens(resource, by: caller, state: state, now: now) else { throw HTTPError.notFound }
                    let token = try ownToken(context, of: resource, in: state)
                    let issued = try service.rotate(token, in: resource, by: caller, expiresAt: nil, state: &state)
                    try PageFlash.newToken(name: issued.token.name, value: issued.plaintext).keep(for: viewer, in: &state)
                }
            }
            return PageFlash.redirect(to: basePath(kind, listing.fullPath))
        } catch let failure as ResourceTokenService.Failure {
            return try show(context, kind, banner: Layout.errors(messages(failure)), status: .unprocessableContent)
        }
    }
}
