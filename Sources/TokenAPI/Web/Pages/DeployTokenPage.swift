import HTTPTypes
import TokenCore

/// `/<project path>/-/settings/repository` and `/groups/<group path>/-/settings/repository`: the
/// deploy tokens section of GitLab's repository settings, for those who may create and revoke a
/// resource's deploy tokens under the API's rule (``DeployTokenService/canManage``: a project's
/// Maintainers, a group's Owners, administrators); anyone else gets GitLab's 404, whether the
/// resource exists or not. Creation goes through the API's ``DeployTokenService/create``,
/// revocation through ``DeployTokenService/revoke``, each with the right checked again inside
/// the write.
enum DeployTokenPage {
    static let routes: [WebRoute] = [ResourceKind.group, .project].flatMap { kind in
        let base = (kind == .group ? "groups/" : "") + "*id/-/settings/repository"
        return [
            WebRoute(.get, base) { try show($0, kind) },
            WebRoute(.post, base + "/deploy_token/create") { try create($0, kind) },
            WebRoute(.get, base + "/deploy_token/:token_id/revoke") { try confirm($0, kind) },
            WebRoute(.post, base + "/deploy_token/:token_id/revoke") { try revoke($0, kind) },
        ]
    }

    /// The resource of the path, if the person may manage its deploy tokens; else 404.
    static func managed(_ context: WebContext, _ kind: ResourceKind, in state: borrowing StoreState) throws -> Resource {
        let viewer = try context.person
        let resource = try context.api.visibleResource(kind, in: state)
        guard DeployTokenService.canManage(resource, by: viewer.caller, state: state, now: context.now) else { throw HTTPError.notFound }
        return resource
    }

    /// The page's path, built from the stored full path (never from what the client sent).
    static func basePath(_ kind: ResourceKind, _ fullPath: String) -> String {
        Layout.ResourceNavigation.settingsPath(kind, fullPath, "repository")
    }

    static func show(_ context: WebContext, _ kind: ResourceKind, banner: HTML? = nil, form: WebContext? = nil, status: HTTPResponse.Status = .ok) throws -> APIResponse {
        let viewer = try context.person
        let now = context.now
        let banner = try PageFlash.banner(context, else: banner)
        let (fullPath, tokens) = try context.read { state throws -> (String, [DeployToken]) in
            let resource = try managed(context, kind, in: state)
            return (state.resources.fullPath(of: resource) ?? "", state.deployTokens.tokens(of: resource).filter { $0.isActive(now: now) })
        }
        let path = basePath(kind, fullPath)
        let view = DeployTokenView(basePath: path, viewer: viewer, now: now, pages: TablePage.Requested(context))
        let noun = kind == .group ? "group" : "project"
        let content: HTML = """
            <h1>Repository settings</h1><p class="lead">\(fullPath)</p>
            <h2 id="deploy-tokens">Deploy tokens</h2><p>Deploy tokens allow access to packages, your repository, and registry images of this \(noun) and its \
            \(kind == .group ? "subgroups and projects" : "dependencies"), without a person's token. Use one with its username and value, as HTTP Basic credentials.</p>
            \(banner)\(view.table(tokens))\(view.createForm(values: form))
            """
        return PageResponse.html(status, Layout.page(
            title: "Repository settings", current: path, viewer: viewer, content: content, resource: Layout.ResourceNavigation(kind: kind, fullPath: fullPath)))
    }

    /// The form's fields, as the API's draft: name (required), expiry date (optional: never),
    /// username (optional), checked scopes. nil with the refusal's messages when malformed.
    static func draft(_ context: WebContext) -> (draft: DeployTokenService.Draft?, problems: [String]) {
        var problems: [String] = []
        let name = context.field("name")?.trimmingSpaces ?? ""
        if name.isEmpty { problems.append("Name can't be blank") }
        var expiresAt: Timestamp?
        if let text = context.field("expires_at")?.trimmingSpaces, !text.isEmpty {
            if let date = CivilDate(iso8601: text) { expiresAt = date.startOfDay } else { problems.append("Expiration date is not a date") }
        }
        let scopes = context.fields("scopes").map(Scope.init(rawValue:))
        if !scopes.allSatisfy(DeployToken.availableScopes.contains) { problems.append("Scopes can only contain available scopes") }
        guard problems.isEmpty else { return (nil, problems) }
        return (DeployTokenService.Draft(name: name, username: context.field("username"), scopes: scopes, expiresAt: expiresAt), [])
    }

    /// Creates a token; its username and value are kept for the page this answer redirects to
    /// (``PageFlash``), which shows them once.
    static func create(_ context: WebContext, _ kind: ResourceKind) throws -> APIResponse {
        let viewer = try context.person
        _ = try context.read { state throws in try managed(context, kind, in: state) }
        let (draft, problems) = draft(context)
        guard let draft else { return try show(context, kind, banner: Layout.errors(problems), form: context, status: .unprocessableContent) }
        let generator = TokenGenerator(prefix: DeployToken.prefix, random: context.dependencies.random)
        let (secret, creator, now) = (context.dependencies.secret, viewer.user.id, context.now)
        do {
            let fullPath = try context.write { state throws -> String in
                let resource = try managed(context, kind, in: state)
                let created = try DeployTokenService.create(draft, for: resource, by: creator, at: now, generator: generator, secret: secret, in: &state)
                try PageFlash.newDeployToken(name: created.token.name, username: created.token.username, value: created.plaintext)
                    .keep(for: viewer, in: &state)
                return state.resources.fullPath(of: resource) ?? ""
            }
            return PageFlash.redirect(to: basePath(kind, fullPath))
        } catch let failure as DeployTokenService.Failure {
            return try show(context, kind, banner: Layout.errors([failure.sentence]), form: context, status: .unprocessableContent)
        }
    }

    /// The resource's own active token `:token_id` (404 for any other).
    static func ownToken(_ context: WebContext, of resource: Resource, in state: borrowing StoreState) throws(HTTPError) -> DeployToken {
        guard let id = try context.path.integer("token_id"), let token = state.deployTokens.token(DeployTokenID(id)),
            token.resource == resource, token.isActive(now: context.now)
        else { throw HTTPError.notFound }
        return token
    }

    /// The confirmation step before a revocation (a page, so it works without script).
    static func confirm(_ context: WebContext, _ kind: ResourceKind) throws -> APIResponse {
        let viewer = try context.person
        let (fullPath, token) = try context.read { state throws -> (String, DeployToken) in
            let resource = try managed(context, kind, in: state)
            return (state.resources.fullPath(of: resource) ?? "", try ownToken(context, of: resource, in: state))
        }
        let path = basePath(kind, fullPath)
        let view = DeployTokenView(basePath: path, viewer: viewer, now: context.now)
        return PageResponse.html(.ok, Layout.page(
            title: "Repository settings", current: path, viewer: viewer, content: "<h1>Deploy tokens</h1>\(view.confirm(token))",
            resource: Layout.ResourceNavigation(kind: kind, fullPath: fullPath)))
    }

    /// Revokes the resource's own token, the right and the token found inside the write.
    static func revoke(_ context: WebContext, _ kind: ResourceKind) throws -> APIResponse {
        let viewer = try context.person
        let fullPath = try context.write { state throws -> String in
            let resource = try managed(context, kind, in: state)
            let token = try ownToken(context, of: resource, in: state)
            DeployTokenService.revoke(token, in: &state)
            try PageFlash.notice("Revoked the deploy token “\(token.name)”.").keep(for: viewer, in: &state)
            return state.resources.fullPath(of: resource) ?? ""
        }
        return PageFlash.redirect(to: basePath(kind, fullPath))
    }
}
