/// `GET /openapi.json`: the OpenAPI 3 document of every endpoint, unauthenticated.
///
/// The document is `openapi.json` beside this file, embedded in the binary at build time
/// (SwiftPM's `embedInCode`), so the service serves exactly the copy kept in the repository.
enum OpenAPIEndpoint {
    static let routes: [Route] = [
        Route("GET", "openapi.json", authenticated: false, document)
    ]

    @Sendable static func document(_ context: inout RequestContext) throws -> APIResponse {
        APIResponse(status: 200, headers: [("Content-Type", "application/json")], body: PackageResources.openapi_json)
    }
}
