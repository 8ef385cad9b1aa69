import HTTPTypes
import JSON
import TokenCore

/// GitLab's token entities (`API::Entities::PersonalAccessToken` and its variants), written
/// in GitLab's field order.
enum TokenEntity {
    struct Variant: OptionSet {
        let rawValue: Int
        /// `last_used_ips` (PersonalAccessTokenWithLastUsedIps and everything built on it).
        static let lastUsedIPs = Variant(rawValue: 1)
        /// `impersonation` (ImpersonationToken).
        static let impersonation = Variant(rawValue: 2)
    }

    /// Writes one token; `plaintext` adds the `token` field (create and rotate answers only).
    static func write(
        _ token: AccessToken, _ variant: Variant, plaintext: String? = nil, now: Timestamp,
        extra: ((inout JSONWriter) -> Void)? = nil, into w: inout JSONWriter
    ) {
        w.beginObject()
        w.field("id", token.id.rawValue)
        w.field("name", token.name)
        w.field("revoked", token.revoked)
        w.field("created_at", token.createdAt.iso8601)
        w.field("description", token.description)
        w.field("scopes", token.scopes.map(\.rawValue))
        w.field("user_id", token.userID.rawValue)
        w.field("last_used_at", token.lastUsedAt?.iso8601)
        w.field("active", token.isActive(at: now))
        w.field("expires_at", token.expiresAt?.iso8601)
        w.field("granular", false)
        w.field("expired", token.isExpired(at: now))
        if variant.contains(.lastUsedIPs) { w.field("last_used_ips", token.lastUsedIPs) }
        if variant.contains(.impersonation) { w.field("impersonation", token.impersonation) }
        extra?(&w)
        if let plaintext { w.field("token", plaintext) }
        w.endObject()
    }

    static func response(
        _ status: HTTPResponse.Status, _ token: AccessToken, _ variant: Variant, plaintext: String? = nil, now: Timestamp
    ) -> APIResponse {
        var w = JSONWriter()
        write(token, variant, plaintext: plaintext, now: now, into: &w)
        return .json(status, w)
    }
}
