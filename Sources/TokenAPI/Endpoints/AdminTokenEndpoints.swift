import HTTPTypes
import JSON
import Logging
import TokenCore

/// `/admin/token`, GitLab's Token information API (17.5+), for administrators: who owns a token
/// value, and revoking it, without knowing its kind or id. tokend has personal, impersonation,
/// project and group access tokens, and deploy tokens (`gldt-`, answered with GitLab's
/// `DeployToken` entity; revoking one sets `revoked`, as GitLab's `revoke!`); any other value, or a prefix the instance used before, is
/// 422 "Token type not supported.", as GitLab answers.
///
/// The value travels in the body only (a `token` in the query string is refused, since web
/// servers log URLs), is digested and compared in constant time, and never reaches a log, an
/// error body or a metric.
enum AdminTokenEndpoints {
    static let routes: [Route] = [
        Route(.post, "admin/token", identify),
        Route(.delete, "admin/token", revoke),
    ]

    /// 200 with GitLab's `PersonalAccessToken` entity, which GitLab presents for every kind
    /// this API finds by a `glpat-` value (revoked and expired tokens too). A lookup that finds
    /// a token is audited: the request's write records it, so the answer comes only once its
    /// audit line is durable.
    @Sendable static func identify(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let plaintext = try tokenParameter(context)
        let (secret, settings, audit) = (context.dependencies.secret, context.dependencies.settings, context.audit)
        if TokenIdentification.isDeployToken(plaintext) {
            let token = try context.write { state in
                let token = try TokenIdentification.findDeployToken(plaintext, secret: secret, in: state).get()
                state.recordAudit(audit.event(.adminTokenLookedUp, entity: .resource(token.resource), target: .deployToken(token)))
                return token
            }
            return DeployTokenEntity.response(.ok, token, now: context.now)
        }
        let token = try context.write { state in
            let token = try TokenIdentification.find(plaintext, secret: secret, settings: settings, in: state).get()
            let (entity, target, reference) = AuditTrail.describe(token, in: state)
            state.recordAudit(audit.event(.adminTokenLookedUp, entity: entity, target: target, token: reference))
            return token
        }
        return TokenEntity.response(.ok, token, [], now: context.now)
    }

    /// 204 once the token is revoked (already revoked: 204 too, nothing changes). A bot's token
    /// is revoked and its bot and membership kept, as GitLab 18 does.
    @Sendable static func revoke(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let plaintext = try tokenParameter(context)
        let (secret, settings, issuer) = (context.dependencies.secret, context.dependencies.settings, context.issuer)
        let audit = context.audit
        if TokenIdentification.isDeployToken(plaintext) {
            let token = try context.write { state in
                var token = try TokenIdentification.findDeployToken(plaintext, secret: secret, in: state).get()
                state.recordAudit(audit.event(.adminTokenRevoked, entity: .resource(token.resource), target: .deployToken(token)))
                if !token.revoked {
                    token.revoked = true
                    state.put(token)
                }
                return token
            }
            context.logger.notice(
                "deploy token revoked by value (admin token API)",
                metadata: ["deploy_token_id": "\(token.id.rawValue)", "by_user_id": "\(context.user.id.rawValue)"])
            return .noContent
        }
        let (token, kind) = try context.write { state in
            let token = try TokenIdentification.find(plaintext, secret: secret, settings: settings, in: state).get()
            try issuer.revoke(token.id, in: &state)
            let (entity, target, reference) = AuditTrail.describe(token, in: state)
            state.recordAudit(audit.event(.adminTokenRevoked, entity: entity, target: target, token: reference))
            return (token, TokenIdentification.kind(of: token, in: state))
        }
        context.logger.notice(
            "token revoked by value (admin token API)",
            metadata: [
                "token_id": "\(token.id.rawValue)", "owner_id": "\(token.userID.rawValue)", "kind": "\(kind.rawValue)",
                "by_user_id": "\(context.user.id.rawValue)",
            ])
        return .noContent
    }

    /// The `token` of the body: Grape's 400 `{"error":"token is missing"}` without one, and a
    /// 400 when it came in the query string instead.
    static func tokenParameter(_ context: AuthenticatedContext) throws(HTTPError) -> String {
        var query = Parameters()
        try query.addForm(context.request.rawQuery)
        if query["token"] != nil { throw HTTPError.error(.badRequest, "token must be sent in the request body, not the URL") }
        var reader = context.reader()
        let token = reader.string("token", required: true)
        try reader.check()
        guard let token else { throw HTTPError.error(.badRequest, "token is missing") }
        return token
    }
}
