import HTTPTypes
import JSON
import TokenCore

/// GitLab's `DeployToken` entity, and `DeployTokenWithToken` (the value, on creation only).
enum DeployTokenEntity {
    static func write(_ token: DeployToken, plaintext: String? = nil, now: Timestamp, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", token.id.rawValue)
        w.field("name", token.name)
        w.field("username", token.username)
        w.field("expires_at", token.expiresAt?.iso8601)
        w.key("scopes")
        w.beginArray()
        for scope in token.scopes { w.string(scope.rawValue) }
        w.endArray()
        w.field("revoked", token.revoked)
        w.field("expired", token.isExpired(now: now))
        if let plaintext { w.field("token", plaintext) }
        w.endObject()
    }

    static func response(_ status: HTTPResponse.Status, _ token: DeployToken, plaintext: String? = nil, now: Timestamp) -> APIResponse {
        var w = JSONWriter()
        write(token, plaintext: plaintext, now: now, into: &w)
        return .json(status, w)
    }
}
