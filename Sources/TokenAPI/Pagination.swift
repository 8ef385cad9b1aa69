public import HTTPTypes
public import JSON

/// GitLab's offset pagination: `page`/`per_page` parameters and the `X-*` and `Link` headers.
public struct Pagination: Sendable {
    public var page: Int
    public var perPage: Int

    public static let defaultPerPage = 20
    public static let maximumPerPage = 100
    /// Above this many items GitLab omits `X-Total`, `X-Total-Pages` and the `last` link.
    public static let countLimit = 10_000

    /// Reads `page` and `per_page`; failures join the reader's other errors.
    public init(_ reader: inout ParameterReader) {
        page = max(1, reader.integer("page") ?? 1)
        let requested = reader.integer("per_page") ?? Self.defaultPerPage
        if requested <= 0 && reader.errors.allSatisfy({ !$0.hasPrefix("per_page") }) {
            reader.appendError("per_page has a value not allowed")
        }
        perPage = min(max(1, requested), Self.maximumPerPage)
    }

    public init(page: Int, perPage: Int) {
        self.page = page
        self.perPage = perPage
    }

    /// Where the current page starts in the whole list. Saturates rather than overflowing, so an
    /// absurd `page` (up to Int.max) is simply past the end.
    public var offset: Int {
        let (product, overflow) = (page - 1).multipliedReportingOverflow(by: perPage)
        return overflow ? Int.max : product
    }

    /// The positions of the current page's items in the whole list.
    public var positions: Range<Int> { offset..<(offset + min(perPage, Int.max - offset)) }

    /// The items of the current page.
    public func slice<T>(_ items: [T]) -> ArraySlice<T> {
        let start = min(items.count, offset)
        let end = min(items.count, start + perPage)
        return items[start..<end]
    }

    /// A 200 JSON array of this page of `items`, with GitLab's pagination headers.
    public func response<T>(
        _ items: [T], context: some HandlerContext, write: (T, inout JSONWriter) -> Void
    ) -> APIResponse {
        var w = JSONWriter(capacity: 256 * min(items.count, perPage) + 2)
        w.beginArray()
        for item in slice(items) { write(item, &w) }
        w.endArray()
        return .json(.ok, w, headerFields: headerFields(total: items.count, context: context))
    }

    /// A 200 JSON array of an already-cut page, with headers for `total` items in all.
    public func response<T>(
        page: [T], total: Int, context: some HandlerContext, write: (T, inout JSONWriter) -> Void
    ) -> APIResponse {
        var w = JSONWriter(capacity: 256 * page.count + 2)
        w.beginArray()
        for item in page { write(item, &w) }
        w.endArray()
        return .json(.ok, w, headerFields: headerFields(total: total, context: context))
    }

    /// `X-Page`, `X-Per-Page`, `X-Next-Page`, `X-Prev-Page`, `X-Total`, `X-Total-Pages`, `Link`.
    public func headerFields(total: Int, context: some HandlerContext) -> HTTPFields {
        let counted = total <= Self.countLimit
        let totalPages = max(1, (total + perPage - 1) / perPage)
        let hasNext = offset < total && total - offset > perPage
        let hasPrev = page > 1
        var fields: HTTPFields = [
            .page: String(page), .perPage: String(perPage), .nextPage: hasNext ? String(page + 1) : "",
            .previousPage: hasPrev ? String(page - 1) : "",
        ]
        if counted {
            fields[.total] = String(total)
            fields[.totalPages] = String(totalPages)
        }
        var links: [String] = []
        if hasPrev { links.append("<\(link(page: page - 1, context: context))>; rel=\"prev\"") }
        if hasNext { links.append("<\(link(page: page + 1, context: context))>; rel=\"next\"") }
        links.append("<\(link(page: 1, context: context))>; rel=\"first\"")
        if counted { links.append("<\(link(page: totalPages, context: context))>; rel=\"last\"") }
        fields[.link] = links.joined(separator: ", ")
        return fields
    }

    /// The request URL on the external host, with the query's parameters plus `page` and
    /// `per_page`, keys sorted (Rails `to_query`).
    func link(page: Int, context: some HandlerContext) -> String {
        var query = Parameters()
        // Already parsed once without error (Application.parameters): this cannot throw.
        try? query.addForm(context.request.rawQuery)
        var pairs: [(String, String)] = []
        for (key, value) in query.values where key != "page" && key != "per_page" {
            switch value {
            case .string(let s): pairs.append((key, s))
            case .list(let items): for item in items { pairs.append((key + "[]", item)) }
            default: break
            }
        }
        pairs.append(("page", String(page)))
        pairs.append(("per_page", String(perPage)))
        pairs.sort { $0.0 < $1.0 }
        let encoded = pairs.map {
            PercentEncoding.encodeQueryComponent($0.0) + "=" + PercentEncoding.encodeQueryComponent($0.1)
        }
        return context.webBase + String(context.request.rawPath) + "?" + encoded.joined(separator: "&")
    }
}

extension ParameterReader {
    /// Records a failure message verbatim (for rules Grape words differently).
    public mutating func appendError(_ message: String) { errorsStorage.append(message) }
}
