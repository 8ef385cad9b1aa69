import HTTPTypes

/// The pages' stylesheet and script, embedded in the binary (as `openapi.json` is) and served
/// by tokend itself at `/-/tokend/assets/`: no CDN, no build step.
enum WebAssets {
    static let root = "/-/tokend/assets/"
    static let stylesheet = root + "tokend.css"
    static let script = root + "tokend.js"

    static let routes: [WebRoute] = [
        WebRoute(.get, "-/tokend/assets/tokend.css", access: .anyone) { _ in
            asset(PackageResources.tokend_css, type: "text/css; charset=utf-8")
        },
        WebRoute(.get, "-/tokend/assets/tokend.js", access: .anyone) { _ in
            asset(PackageResources.tokend_js, type: "text/javascript; charset=utf-8")
        },
    ]

    /// An asset: cached for a day (it changes only with the binary), never sniffed.
    static func asset(_ bytes: [UInt8], type: String) -> APIResponse {
        var response = APIResponse(status: .ok, headerFields: [.contentType: type], body: bytes)
        PageResponse.secure(&response)
        response.headerFields[.cacheControl] = "public, max-age=86400"
        return response
    }
}
