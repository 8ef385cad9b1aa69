@testable import TokenAPI
import Foundation
import Testing
import TokenCore
import TokendTesting

/// The token tables a page at a time, as GitLab's tokens pages show them: 100 rows a page
/// (`PAGE_SIZE`), the heading counting every row, `page` (and `inactive_page`) as plain links,
/// and a page number read as GitLab's Kaminari reads it.
struct WebTablePageTests {
    typealias Browser = WebPageTests.Browser

    static func occurrences(of needle: String, in body: String) -> Int { body.components(separatedBy: needle).count - 1 }

    @Test(arguments: [
        (nil, 1), ("", 1), ("abc", 1), ("0", 1), ("-3", 1), ("1", 1), ("2", 2), ("2abc", 2), (" 3", 3), ("+4", 4),
        ("99999999999999999999999999", 1_000_000_000),
    ] as [(String?, Int)])
    func aPageNumberIsReadAsGitLabReadsIt(text: String?, number: Int) {
        #expect(TablePage.number(text) == number)
    }

    @Test func rowsOfAPage() {
        let rows = Array(0..<250)
        #expect(TablePage(requested: nil, total: 250).rows(rows) == rows[0..<100])
        #expect(TablePage(requested: "3", total: 250).rows(rows) == rows[200..<250])
        #expect(TablePage(requested: "4", total: 250).rows(rows).isEmpty)
        #expect(TablePage(requested: "1000000000", total: 250).rows(rows).isEmpty)
        #expect(TablePage(requested: "2", total: 0).count == 1)
    }

    @Test func aListPagesByItsOwnSizeAndItsLinksKeepItsFilters() {
        #expect(TablePage(requested: "2", total: 45, rowsPerPage: 20).rows(Array(0..<45)) == Array(20..<40)[...])
        #expect(TablePage(requested: "3", total: 45, rowsPerPage: 20).offset == 40)
        #expect(TablePage(requested: nil, total: 45, rowsPerPage: 20).count == 3)
        var pager = HTML.empty
        TablePage(requested: "2", total: 45, rowsPerPage: 20).writeNavigation(
            path: "/admin/credentials", parameter: "page", label: "Pages",
            filters: [(name: "owner", value: "a b&c<"), (name: "state", value: nil), (name: "type", value: "")], into: &pager)
        let links = String(decoding: pager.utf8, as: UTF8.self)
        #expect(links.contains("<a rel=\"prev\" href=\"/admin/credentials?owner=a%20b%26c%3C&amp;page=1\">Previous</a>"), "\(links)")
        #expect(links.contains("<a rel=\"next\" href=\"/admin/credentials?owner=a%20b%26c%3C&amp;page=3\">Next</a>"), "a filter without a value is left out")
        var none = HTML.empty
        TablePage(requested: nil, total: 20, rowsPerPage: 20).writeNavigation(path: "/x", parameter: "page", label: "Pages", into: &none)
        #expect(none.utf8.isEmpty, "one page: no pager")
    }

    @Test func theCredentialsInventoryShowsTwentyTokensAPageAsGitLabsDoes() throws {
        let client = TestClient()
        let alice = try client.createUser("alice")
        let bob = try client.createUser("bob")
        for index in 0..<25 { _ = try client.createToken(for: alice, name: "alice \(index)") }
        for index in 0..<3 { _ = try client.createToken(for: alice, name: "old \(index)", revoked: true) }
        for index in 0..<30 { _ = try client.createToken(for: bob, name: "bob \(index)") }
        let root = try WebPageTests.signIn(client, as: "root")
        let rowsOf = { (body: String) in Self.occurrences(of: "<tr><td>", in: body) }

        let all = root.get("/admin/credentials")
        #expect(all.status == 200)
        #expect(rowsOf(all.body) == 20)
        #expect(all.body.contains(">bob 29<") && !all.body.contains(">bob 9<"), "newest first")
        #expect(all.body.contains("<a rel=\"next\" href=\"/admin/credentials?page=2\">Next</a>"))

        let path = "/admin/credentials?owner=alice&state=active"
        let first = root.get(path)
        #expect(rowsOf(first.body) == 20 && first.body.contains("25 tokens."), "\(first.body)")
        #expect(!first.body.contains(">bob ") && !first.body.contains(">old "))
        #expect(first.body.contains("<a rel=\"next\" href=\"/admin/credentials?owner=alice&amp;state=active&amp;page=2\">Next</a>"))
        let second = root.get(path + "&page=2")
        #expect(rowsOf(second.body) == 5 && second.body.contains(">alice 0<"))
        #expect(second.body.contains("<a rel=\"prev\" href=\"/admin/credentials?owner=alice&amp;state=active&amp;page=1\">Previous</a>"))
        #expect(second.body.contains("Page 2 of 2") && !second.body.contains("rel=\"next\""))
        let past = root.get(path + "&page=7")
        #expect(past.status == 200 && rowsOf(past.body) == 0 && past.body.contains("25 tokens, none on this page."))
        #expect(root.get("/admin/credentials?owner=nobody").body.contains("0 tokens."))
    }

    @Test func thePersonalTokensPageShowsAHundredRowsATableAndCountsThemAll() throws {
        let client = TestClient()
        let alice = try client.createUser("alice")
        for index in 0..<105 { _ = try client.createToken(for: alice, name: "active \(index)") }
        for index in 0..<101 { _ = try client.createToken(for: alice, name: "revoked \(index)", revoked: true) }
        let browser = try WebPageTests.signIn(client, as: "alice")
        let path = "/-/user_settings/personal_access_tokens"
        let first = browser.get(path)
        #expect(first.status == 200)
        #expect(first.body.contains("Active tokens (105)") && first.body.contains("Inactive tokens (101)"))
        #expect(Self.occurrences(of: "/rotate\" aria-label", in: first.body) == 100)
        #expect(Self.occurrences(of: "Revoked</span>", in: first.body) == 100)
        #expect(first.body.contains("active 104<") && !first.body.contains("active 4<"), "newest first")
        #expect(first.body.contains("<a rel=\"next\" href=\"\(path)?page=2\">Next</a>"))
        #expect(first.body.contains("<a rel=\"next\" href=\"\(path)?inactive_page=2\">Next</a>"))
        #expect(!first.body.contains("rel=\"prev\""))

        let second = browser.get(path + "?page=2&inactive_page=2")
        #expect(second.status == 200)
        #expect(Self.occurrences(of: "/rotate\" aria-label", in: second.body) == 5)
        #expect(Self.occurrences(of: "Revoked</span>", in: second.body) == 1)
        #expect(second.body.contains("active 4<") && second.body.contains("Active tokens (105)"))
        #expect(second.body.contains("<a rel=\"prev\" href=\"\(path)?page=1&amp;inactive_page=2\">Previous</a>"), "the other table stays")
        #expect(second.body.contains("Page 2 of 2") && !second.body.contains("rel=\"next\""))

        #expect(browser.get(path + "?page=abc").body == first.body, "not a number: page 1")
        #expect(browser.get(path + "?page=-1").body == first.body)
        let past = browser.get(path + "?page=99999999999999999999999")
        #expect(past.status == 200 && past.body.contains("No tokens on this page.") && past.body.contains("Active tokens (105)"))
        #expect(Self.occurrences(of: "/rotate\" aria-label", in: past.body) == 0)
    }

    @Test func aShortTableHasNoPager() throws {
        let client = TestClient()
        let alice = try client.createUser("alice")
        for index in 0..<100 { _ = try client.createToken(for: alice, name: "t\(index)") }
        let browser = try WebPageTests.signIn(client, as: "alice")
        let page = browser.get("/-/user_settings/personal_access_tokens")
        #expect(Self.occurrences(of: "/rotate\" aria-label", in: page.body) == 100)
        #expect(!page.body.contains("class=\"pager\""))
    }

    @Test func theDeployTokensTableIsPagedToo() throws {
        let fixture = try ResourceFixture()
        let client = fixture.client
        for index in 0..<101 {
            _ = try DeployTokenScenarios.create(
                client, "/projects/\(fixture.project)/deploy_tokens", token: fixture.maintainer,
                json: #"{"name":"d\#(index)","scopes":["read_registry"]}"#)
        }
        let maintainer = try WebPageTests.signIn(client, as: "maintainer")
        let path = "/acme/tools/hammer/-/settings/repository"
        let first = maintainer.get(path)
        #expect(first.body.contains("Active deploy tokens (101)"))
        #expect(Self.occurrences(of: "/revoke\" aria-label", in: first.body) == 100)
        #expect(first.body.contains("<a rel=\"next\" href=\"\(path)?page=2\">Next</a>"))
        let second = maintainer.get(path + "?page=2")
        #expect(Self.occurrences(of: "/revoke\" aria-label", in: second.body) == 1)
        #expect(second.body.contains(">d0<"), "the oldest last")
    }
}
