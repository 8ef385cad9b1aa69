import HTTPTypes
import JSON
import TokenCore

/// `GET /version` and `GET /metadata`: what clients probe to pick features.
enum MetadataEndpoints {
    /// The GitLab release whose token API tokend answers like.
    static let compatibleVersion = "18.6.0"

    static let scopes = EndpointScopes(own: [.init(.readUser, readOnly: true), .init(.aiFeatures, readOnly: true)])

    static let routes: [Route] = [
        Route(.get, "version", scopes: scopes, metadata),
        Route(.get, "metadata", scopes: scopes, metadata),
    ]

    @Sendable static func metadata(_ context: AuthenticatedContext) throws -> APIResponse {
        var w = JSONWriter()
        w.beginObject()
        w.field("version", compatibleVersion)
        w.field("revision", "tokend")
        w.key("kas")
        w.beginObject()
        w.field("enabled", false)
        w.field("externalUrl", nil as String?)
        w.field("externalK8sProxyUrl", nil as String?)
        w.field("version", nil as String?)
        w.endObject()
        w.field("enterprise", false)
        w.endObject()
        return .json(.ok, w)
    }
}
