/// One page of a table, as GitLab's pages show them: ``rowsPerPage`` rows a page (the token
/// tables' ``size``, GitLab's `PAGE_SIZE`, 100; an admin list Kaminari's 20 or its own), the page
/// named by a query parameter (`page`), and below the table plain links to the pages before and
/// after (no script needed), which keep the page's filters. The table's heading counts every
/// row, not only this page's.
///
/// A page number is read as GitLab's (Kaminari's `page(params[:page])`) reads it: leading
/// digits count (`2abc` is 2), anything else, zero or a negative number is page 1, and a page
/// past the last shows no rows. Reading it is linear in the value's length and never
/// overflows (the request's fields are already bounded).
struct TablePage: Equatable {
    /// GitLab's `PAGE_SIZE` in `access_tokens/components/constants.js`.
    static let size = 100

    /// 1-based; may be past ``count``.
    let number: Int
    /// Rows in the whole table.
    let total: Int
    /// Rows a page.
    let rowsPerPage: Int

    init(requested: String?, total: Int, rowsPerPage: Int = TablePage.size) {
        self.init(number: Self.number(requested), total: total, rowsPerPage: rowsPerPage)
    }

    /// A page already read (``number(_:)``), for a table whose total comes with its page.
    init(number: Int, total: Int, rowsPerPage: Int) {
        self.number = max(1, number)
        self.total = total
        self.rowsPerPage = max(1, rowsPerPage)
    }

    /// Pages the table has (at least one, the empty table's).
    var count: Int { max(1, (total + rowsPerPage - 1) / rowsPerPage) }

    /// Rows before this page's first, for a store that pages itself (`OFFSET`).
    var offset: Int { (number - 1) * rowsPerPage }

    /// The rows of this page, out of the whole table's `rows`.
    func rows<Rows: RandomAccessCollection>(_ rows: Rows) -> Rows.SubSequence where Rows.Index == Int {
        guard number <= count else { return rows[rows.endIndex...] }
        let start = rows.startIndex + offset
        return rows[start..<min(rows.endIndex, start + rowsPerPage)]
    }

    /// Ruby's `to_i` on the parameter (optional blanks, a sign, leading digits), floored at 1.
    /// More digits than any table has pages is a page past the last.
    static func number(_ text: String?) -> Int {
        guard let text else { return 1 }
        var bytes = text.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }[...]
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            value = min(value * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000_000)
        }
        return negative || value < 1 ? 1 : value
    }

    /// The links to the previous and next page, when the table has more than one page (GitLab
    /// shows its pager only then). `path` is the page's own; `parameter` names this table's
    /// page (`page`, `inactive_page`); `keeping` are the other tables' page parameters, so that
    /// paging one table leaves the others where they were; `filters` are the page's other query
    /// parameters (a list's filter form), kept as they are, those without a value left out.
    func writeNavigation(
        path: String, parameter: StaticString, label: String, keeping: [(name: StaticString, page: TablePage)] = [],
        filters: [(name: StaticString, value: String?)] = [], into out: inout HTML
    ) {
        guard total > rowsPerPage else { return }
        out.append(markup: "<nav class=\"pager\" aria-label=\"")
        out.append(text: label)
        out.append(markup: "\">")
        if number > 1 {
            out.append(markup: "<a rel=\"prev\" href=\"")
            writeLink(path: path, parameter: parameter, to: min(number - 1, count), keeping: keeping, filters: filters, into: &out)
            out.append(markup: "\">Previous</a>")
        }
        out.append(markup: "<span>Page ")
        out.append(number: number)
        out.append(markup: " of ")
        out.append(number: count)
        out.append(markup: "</span>")
        if number < count {
            out.append(markup: "<a rel=\"next\" href=\"")
            writeLink(path: path, parameter: parameter, to: number + 1, keeping: keeping, filters: filters, into: &out)
            out.append(markup: "\">Next</a>")
        }
        out.append(markup: "</nav>")
    }

    private func writeLink(
        path: String, parameter: StaticString, to page: Int, keeping: [(name: StaticString, page: TablePage)],
        filters: [(name: StaticString, value: String?)], into out: inout HTML
    ) {
        out.append(text: path)
        out.append(markup: "?")
        for filter in filters {
            guard let value = filter.value, !value.isEmpty else { continue }
            out.append(markup: filter.name)
            out.append(markup: "=")
            out.append(text: PercentEncoding.encodeQueryComponent(value))
            out.append(markup: "&amp;")
        }
        out.append(markup: parameter)
        out.append(markup: "=")
        out.append(number: page)
        for other in keeping where other.page.number > 1 {
            out.append(markup: "&amp;")
            out.append(markup: other.name)
            out.append(markup: "=")
            out.append(number: other.page.number)
        }
    }
}

extension TablePage {
    /// The page parameters of a request: `page`, the active tokens' table (the only table of a
    /// page that has one), and `inactive_page`, the inactive tokens' table.
    struct Requested {
        static let active: StaticString = "page"
        static let inactive: StaticString = "inactive_page"

        var active: String?
        var inactive: String?

        /// The first page of every table (a confirmation page shows no table).
        init() {}

        init(_ context: WebContext) {
            active = context.field(Self.active.description)
            inactive = context.field(Self.inactive.description)
        }
    }
}
