import HTTPTypes
import JSON
import TokenCore

/// Project and group webhooks (GitLab's hooks API), the subset tokend delivers: access-token
/// expiry (`resource_access_token_events`, sent by `tokend notify`). A project's hooks are its
/// Maintainers' and Owners' to manage, a group's its Owners' (and administrators'). The
/// secret `token` is sealed in the store and never returned.
enum HookEndpoints {
    static let routes: [Route] = ResourceKind.allCases.flatMap { kind in
        let base = kind.pathSegment + "/:id/hooks"
        return [
            Route(.get, base) { try list($0, kind) },
            Route(.get, base + "/:hook_id") { try show($0, kind) },
            Route(.post, base) { try create($0, kind) },
            Route(.put, base + "/:hook_id") { try update($0, kind) },
            Route(.delete, base + "/:hook_id") { try delete($0, kind) },
        ]
    }

    /// The resource of the path, if the caller administers it: 404 when they cannot see it,
    /// 403 when they can but may not manage its hooks.
    static func administered(_ context: AuthenticatedContext, _ kind: ResourceKind, in state: borrowing StoreState) throws(HTTPError) -> Resource {
        let resource = try context.visibleResource(kind, in: state)
        guard AccessPolicy.canAdminister(resource, by: context.signedInCaller, state: state, now: context.now) else {
            throw HTTPError.forbidden
        }
        return resource
    }

    /// The resource's hook of the path: Grape's 400 for an `hook_id` that is not an integer,
    /// ActiveRecord's `404 Not found` for one the resource does not have (`hook_scope.find`).
    static func findHook(_ context: AuthenticatedContext, of resource: Resource, in state: borrowing StoreState) throws(HTTPError) -> Webhook {
        let id = try context.path.require("hook_id", as: Int.self)
        guard let hook = state.webhooks.hook(HookID(id)), hook.resource == resource else { throw HTTPError.recordNotFound }
        return hook
    }

    static func list(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let pagination = Pagination(&reader)
        try reader.check()
        let hooks = try context.read { state throws(HTTPError) -> [Webhook] in state.webhooks.hooks(of: try administered(context, kind, in: state)) }
        return pagination.response(hooks, context: context) { hook, w in HookEntity.write(hook, into: &w) }
    }

    static func show(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let hook = try context.read { state throws(HTTPError) -> Webhook in
            try findHook(context, of: try administered(context, kind, in: state), in: state)
        }
        return HookEntity.response(.ok, hook)
    }

    /// The hook's fields from the request, over `hook` (GitLab's defaults for a new one): the
    /// parameters' own errors (400). Whether the URL may be used is the record's validation,
    /// ``validate(_:)``, which GitLab runs on save, after finding the hook. The secret `token`
    /// comes back apart (nil: not given; empty: none), to be sealed once the hook has its id.
    /// Every setting GitLab's entity shows is kept as sent, though only the access-token event
    /// is delivered.
    static func read(_ context: AuthenticatedContext, over hook: Webhook, urlRequired: Bool) throws -> (hook: Webhook, token: String?) {
        var reader = context.reader()
        let url = reader.string("url", required: urlRequired, maxLength: WebhookRules.maximumURLLength)
        let token = reader.string("token", maxLength: WebhookRules.maximumTokenLength)
        let name = reader.string("name", maxLength: WebhookRules.maximumNameLength)
        let description = reader.string("description", maxLength: WebhookRules.maximumDescriptionLength)
        let push = reader.boolean("push_events")
        let tokenEvents = reader.boolean("resource_access_token_events")
        let ssl = reader.boolean("enable_ssl_verification")
        let branchFilter = reader.string("push_events_branch_filter", maxLength: WebhookRules.maximumTemplateLength)
        let strategy = reader.oneOf("branch_filter_strategy", BranchFilterStrategy.allCases.map(\.rawValue))
        let template = reader.string("custom_webhook_template", maxLength: WebhookRules.maximumTemplateLength)
        let events = WebhookRules.eventNames(for: hook.resource).compactMap { name in reader.boolean(name).map { (name, $0) } }
        try reader.check()
        var hook = hook
        if let url { hook.url = url }
        if let token, !WebhookRules.isValidToken(token) { throw HTTPError.error(.badRequest, "token is invalid") }
        if let name { hook.name = name }
        if let description { hook.description = description }
        if let push { hook.pushEvents = push }
        if let tokenEvents { hook.resourceAccessTokenEvents = tokenEvents }
        if let ssl { hook.enableSSLVerification = ssl }
        if let branchFilter { hook.pushEventsBranchFilter = branchFilter }
        if let strategy = strategy.flatMap(BranchFilterStrategy.init(rawValue:)) { hook.branchFilterStrategy = strategy }
        if let template { hook.customWebhookTemplate = template }
        for (name, on) in events {
            if on { hook.otherEvents.insert(name) } else { hook.otherEvents.remove(name) }
        }
        return (hook, token)
    }

    /// The hook's sealed token after a write: `token` when one was given (sealed for this hook,
    /// empty for none); otherwise GitLab's `reset_token`: a new URL drops the secret, which was
    /// meant for the old receiver; otherwise the one it had, sealed again in the current form
    /// (bound to the hook's id) when it was sealed before that form existed.
    static func sealedToken(_ context: AuthenticatedContext, for hook: Webhook, given token: String?, urlChanged: Bool) -> [UInt8]? {
        let box = context.dependencies.webhookTokens
        if let token { return token.isEmpty ? nil : box.seal(token, hook: hook.id) }
        if urlChanged { return nil }
        guard let sealed = hook.sealedToken else { return nil }
        return box.resealed(sealed, hook: hook.id) ?? sealed
    }

    /// GitLab's 422 for a URL the hook may not call.
    static func validate(_ hook: Webhook) throws(HTTPError) {
        guard WebhookRules.validateURL(hook.url) != nil else { throw HTTPError.error(.unprocessableContent, "Invalid url given") }
    }

    /// Every parameter GitLab's hooks API declares: a PUT naming none of them is GitLab's 400
    /// `No parameters provided`, one naming only events tokend does not deliver is accepted.
    static let declaredParameters: Set<String> = Set(
        ["url", "token", "name", "description", "push_events", "resource_access_token_events", "enable_ssl_verification",
         "push_events_branch_filter", "branch_filter_strategy", "custom_webhook_template", "url_variables", "custom_headers",
         ] + WebhookRules.projectEventNames + WebhookRules.groupOnlyEventNames)

    // GitLab authorizes first (the hooks APIs' `before` filters run before Grape validates
    // parameters), so every handler below finds the administered resource before reading.

    static func create(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let hook = try context.write { state throws -> Webhook in
            let resource = try administered(context, kind, in: state)
            var (hook, token) = try read(context, over: Webhook(id: HookID(0), resource: resource, url: "", createdAt: context.now), urlRequired: true)
            try validate(hook)
            let limit = WebhookRules.maximumHooksPerResource
            guard state.webhooks.hooks(of: hook.resource).count < limit else {
                throw HTTPError.error(.unprocessableContent, "Maximum number of \(hook.resource.kind) hooks (\(limit)) exceeded")
            }
            hook.id = state.allocateHookID()
            hook.sealedToken = sealedToken(context, for: hook, given: token, urlChanged: false)
            state.put(hook)
            return hook
        }
        return HookEntity.response(.created, hook)
    }

    static func update(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let reader = context.reader()
        let given = declaredParameters.filter { reader.has($0) }
        let hook = try context.write { state throws -> Webhook in
            let resource = try administered(context, kind, in: state)
            // The parameters' 400 comes before the hook's 404, as in GitLab.
            _ = try read(context, over: Webhook(id: HookID(0), resource: resource, url: "", createdAt: context.now), urlRequired: false)
            let stored = try findHook(context, of: resource, in: state)
            guard !given.isEmpty else { throw HTTPError.error(.badRequest, "No parameters provided") }
            let (changed, token) = try read(context, over: stored, urlRequired: false)
            var hook = changed
            hook.sealedToken = sealedToken(context, for: stored, given: given.contains("token") ? token : nil, urlChanged: hook.url != stored.url)
            try validate(hook)
            state.put(hook)
            return hook
        }
        return HookEntity.response(.ok, hook)
    }

    static func delete(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        try context.write { state throws in
            let hook = try findHook(context, of: try administered(context, kind, in: state), in: state)
            state.deleteHook(hook.id)
        }
        return .noContent
    }
}

/// GitLab's `ProjectHook`/`GroupHook` entity: every setting as the client made it; the secret
/// token is never shown.
enum HookEntity {
    static func write(_ hook: Webhook, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", hook.id.rawValue)
        w.field("url", hook.url)
        w.field("name", hook.name)
        w.field("description", hook.description)
        w.field("created_at", hook.createdAt.iso8601)
        w.field("push_events", hook.pushEvents)
        for name in WebhookRules.projectEventNames { w.field(name, hook.otherEvents.contains(name)) }
        switch hook.resource {
        case .project(let id):
            w.field("project_id", id.rawValue)
        case .group(let id):
            w.field("group_id", id.rawValue)
            for name in WebhookRules.groupOnlyEventNames { w.field(name, hook.otherEvents.contains(name)) }
        }
        w.field("resource_access_token_events", hook.resourceAccessTokenEvents)
        w.field("enable_ssl_verification", hook.enableSSLVerification)
        w.field("alert_status", "executable")
        w.key("disabled_until")
        w.null()
        w.key("url_variables")
        w.beginArray()
        w.endArray()
        w.field("push_events_branch_filter", hook.pushEventsBranchFilter)
        w.field("branch_filter_strategy", hook.branchFilterStrategy.rawValue)
        w.field("custom_webhook_template", hook.customWebhookTemplate)
        w.key("custom_headers")
        w.beginArray()
        w.endArray()
        w.endObject()
    }

    static func response(_ status: HTTPResponse.Status, _ hook: Webhook) -> APIResponse {
        var w = JSONWriter()
        write(hook, into: &w)
        return .json(status, w)
    }
}
