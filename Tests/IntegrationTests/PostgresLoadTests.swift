import Foundation
import PostgresStore
import Testing
import TokenCore
import TokenRecords

/// A worker's load of the replica (a binary `COPY` of each table, decoded in place): a fresh
/// opening of the store holds exactly what was written, values at the edges of their types
/// included, and a cell that no record can hold is an error naming its column, never a trap.
@Suite(.timeLimit(.minutes(20)), .enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
struct PostgresLoadTests {
    /// A digest of its own for each index.
    static func digest(_ index: Int) -> TokenDigest {
        TokenDigest(bytes: withUnsafeBytes(of: Int64(index).bigEndian) { Array($0) } + Array(repeating: 7, count: 24))
    }

    /// Writes users, a group shared with another, and tokens whose text, arrays, dates and
    /// instants sit at the edges (separators, quotes, backslashes, non-ASCII, empty lists,
    /// instants before 1970, the first and last dates a token may carry), then opens the store
    /// again: its export is byte for byte the writer's.
    @Test func aFreshLoadHoldsExactlyWhatWasWritten() throws {
        let location = PostgresLocation(url: try PostgresCluster.createDatabase(), description: "load")
        let writer = PostgresStore(location: location)
        _ = try writer.initialize()
        let odd = "tab\there, new\nline, \u{1f}unit, \"quoted\", back\\slash, {braces}, NULL, é✓"
        try writer.write { state in
            let user = User(id: state.allocateUserID(), username: "edge", name: odd, email: "e@example.com", createdAt: Timestamp(millisecondsSinceEpoch: -1))
            state.put(user)
            let shared = Group(id: state.allocateGroupID(), name: "Shared", path: "shared", createdAt: Timestamp(millisecondsSinceEpoch: 1_234_567_890_123))
            state.put(shared)
            state.put(Group(
                id: state.allocateGroupID(), name: "Owner", path: "owner", description: odd, createdAt: Timestamp(millisecondsSinceEpoch: 0),
                sharedWith: [GroupLink(groupID: shared.id, accessLevel: .developer, expiresAt: CivilDate(iso8601: "2030-02-28"))]))
            // Enough tokens for the copy to span many messages.
            var first: TokenID?
            for index in 0..<2_000 {
                var token = AccessToken(
                    id: state.allocateTokenID(), userID: user.id, name: index == 0 ? odd : "token \(index)", scopes: index % 3 == 0 ? [] : ["api", "read_user"],
                    expiresAt: nil, createdAt: Timestamp(millisecondsSinceEpoch: Int64(index) * 999 - 500_000), digest: Self.digest(index))
                first = first ?? token.id
                switch index {
                case 0:
                    token.description = odd
                    token.lastUsedIPs = [odd, "", "192.0.2.1"]
                    token.expiresAt = CivilDate(iso8601: "0001-01-01")
                    token.lastUsedAt = Timestamp(millisecondsSinceEpoch: -62_135_596_800_000)
                case 1:
                    token.description = ""
                    token.expiresAt = CivilDate(iso8601: "9999-12-31")
                    token.revoked = true
                    token.impersonation = true
                    token.previousTokenID = first
                    token.updatedAt = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)
                default: break
                }
                state.put(token)
            }
        }
        let written = try writer.read { StoreExport.export($0, secretHex: "").bytes }
        let reader = PostgresStore(location: location)
        let loaded = try reader.read { StoreExport.export($0, secretHex: "").bytes }
        #expect(loaded == written)
        #expect(try reader.read { $0.allTokens().count } == 2_000)
        #expect(try reader.read { $0.token(digest: Self.digest(1_999))?.name } == "token 1999")
    }

    /// Cells an operator may write by hand that no record holds: each load fails with the
    /// store's corrupt error naming the column; none traps or loads a wrong value.
    @Test(arguments: [
        ("expires_at = 'infinity'", "expires_at"),
        ("created_at = '-infinity'", "created_at"),
        ("scopes = '{api,NULL}'", "scopes"),
        ("last_used_ips = '{{a,b},{c,d}}'", "last_used_ips"),
        ("digest = '\\x0102'", "digest"),
    ])
    func aCellNoRecordHoldsNamesItsColumn(_ change: String, _ column: String) throws {
        let url = try PostgresCluster.createDatabase()
        let location = PostgresLocation(url: url, description: "load")
        let writer = PostgresStore(location: location)
        _ = try writer.initialize()
        try writer.write { state in
            let user = User(id: state.allocateUserID(), username: "u", name: "U", email: "u@example.com", createdAt: Timestamp(millisecondsSinceEpoch: 0))
            state.put(user)
            state.put(AccessToken(
                id: state.allocateTokenID(), userID: user.id, name: "t", scopes: ["api"], expiresAt: nil,
                createdAt: Timestamp(millisecondsSinceEpoch: 0), digest: Self.digest(1)))
        }
        let database = String(url.split(separator: "/").last!.split(separator: "?").first!)
        _ = try PostgresCluster.shared().psql("UPDATE tokend.tokens SET \(change)", database: database)
        let error = #expect(throws: (any Error).self) { try PostgresStore(location: location).read { $0.allTokens().count } }
        #expect("\(error.map { "\($0)" } ?? "")".contains(column), "\(String(describing: error))")
    }
}
