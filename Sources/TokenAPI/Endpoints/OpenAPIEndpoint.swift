import HTTPTypes

/// `GET /openapi.json`: the OpenAPI 3 document of every endpoint, unauthenticated.
///
/// The document is `openapi.json` in this target, embedded in the binary at build time
/// (SwiftPM's `embedInCode`), so the service serves exactly the copy kept in the repository.
enum OpenAPIEndpoint {
    static let routes: [Route] = [
        Route(.get, "openapi.json", access: .open, document)
    ]

    @Sendable static func document(_ context: RequestContext) throws -> APIResponse {
        APIResponse(status: .ok, headerFields: [.contentType: "application/json"], body: PackageResources.openapi_json)
    }
}
