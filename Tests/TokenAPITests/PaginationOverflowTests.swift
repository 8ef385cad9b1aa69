import JSON
import Testing
import TokenAPI
import TokenCore
import TokendTesting

/// A `page` so large that `(page - 1) * per_page` overflows is past the end, as in GitLab:
/// an empty page, not a trapped worker.
struct PaginationOverflowTests {
    static let huge = String(Int.max)

    @Test(arguments: [
        "/personal_access_tokens?per_page=100&page=\(huge)",
        "/personal_access_tokens?per_page=100&page=\(huge)&state=active",
        "/users?per_page=100&page=\(huge)",
        "/users/1/impersonation_tokens?page=\(huge)",
    ])
    func hugePageIsAnEmptyPage(path: String) throws {
        let client = TestClient()
        let root = try client.repository.read { $0.user(UserID(1))! }
        let token = try client.createToken(for: root, scopes: ["api"])
        let response = client.request("GET", path, token: token)
        #expect(response.status == 200)
        #expect(response.body == "[]")
        #expect(response.header("X-Page") == Self.huge)
        #expect(response.header("X-Next-Page") == "")
        #expect(response.header("X-Prev-Page") == String(Int.max - 1))
    }

    @Test func hugePageOfAssociationsIsEmpty() throws {
        let client = TestClient()
        let root = try client.repository.read { $0.user(UserID(1))! }
        let token = try client.createToken(for: root, scopes: ["api"])
        let response = client.request("GET", "/personal_access_tokens/self/associations?page=\(Self.huge)", token: token)
        #expect(response.status == 200)
        #expect(response.body == #"{"groups":[],"projects":[]}"#)
    }

    @Test func offsetsAndPositions() {
        let pagination = Pagination(page: 3, perPage: 2)
        #expect(pagination.offset == 4)
        #expect(pagination.positions == 4..<6)
        #expect(Array(pagination.slice(Array(0..<5))) == [4])
        #expect(Pagination(page: Int.max, perPage: 100).offset == Int.max)
        #expect(Pagination(page: Int.max, perPage: 100).positions.isEmpty)
    }
}
