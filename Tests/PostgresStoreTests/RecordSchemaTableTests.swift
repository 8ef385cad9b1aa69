import Foundation
import Testing
import TokenCore
import TokenRecords

@testable import PostgresStore

/// Every record's schema against its table: the columns the schema writes, copies and loads
/// are exactly those the migrations create, and `tokend.write` holds each generated put.
struct RecordSchemaTableTests {
    /// The columns of `tokend.<table>` as the migrations make it: the `CREATE TABLE` of the
    /// migration that creates it, then every later `ALTER TABLE tokend.<table> ADD COLUMN`.
    func tableColumns(_ table: String) -> [String] {
        guard let sql = PostgresSchema.migrations.map(\.sql).first(where: { $0.contains("CREATE TABLE tokend.\(table) (") }),
            let start = sql.range(of: "CREATE TABLE tokend.\(table) (")
        else { return [] }
        let body = sql[start.upperBound...].prefix { $0 != ";" }
        var columns: [String] = body.split(separator: "\n").compactMap { line in
            let word = line.split(separator: " ").first.map(String.init) ?? ""
            return word.isEmpty || word == "PRIMARY" || word == ")" ? nil : word
        }
        let added = "ALTER TABLE tokend.\(table) ADD COLUMN "
        for migration in PostgresSchema.migrations {
            for statement in migration.sql.components(separatedBy: ";") {
                guard let range = statement.range(of: added) else { continue }
                columns.append(String(statement[range.upperBound...].prefix { $0 != " " }))
            }
        }
        return columns
    }

    func columns<Record>(_ schema: RecordSchema<Record>) -> [String] { schema.columnList.components(separatedBy: ", ") }

    @Test func schemasCoverTheirTables() {
        #expect(Set(columns(RecordSchema.user)) == Set(tableColumns("users")))
        #expect(Set(["family_id"] + columns(RecordSchema.token)) == Set(tableColumns("tokens")))
        #expect(Set(columns(RecordSchema.group)) == Set(tableColumns("groups")))
        #expect(Set(["group_id", "position"] + columns(RecordSchema.groupShare)) == Set(tableColumns("group_shares")))
        #expect(Set(columns(RecordSchema.project)) == Set(tableColumns("projects")))
        #expect(Set(columns(RecordSchema.membership)) == Set(tableColumns("members")))
        #expect(Set(columns(RecordSchema.webSession)) == Set(tableColumns("web_sessions")))
        #expect(Set(columns(RecordSchema.deployToken)) == Set(tableColumns("deploy_tokens")))
        #expect(tableColumns("users").count >= 10)
        #expect(tableColumns("deploy_tokens").count == 11)
    }

    @Test func writeHoldsEveryGeneratedPut() {
        let sql = WriteFunction.sql
        for upsert in [
            RecordSchema.user.upsert(), RecordSchema.group.upsert(), RecordSchema.project.upsert(), RecordSchema.membership.upsert(),
            RecordSchema.webSession.upsert(), RecordSchema.deployToken.upsert(),
        ] {
            #expect(sql.contains(upsert))
        }
        #expect(sql.contains(RecordSchema.groupShare.replaceChildren(of: "group_id", from: "shared_with")))
        #expect(!sql.contains("shared_with = EXCLUDED"))
        // Nested fields are read from their object; the key of a membership is its three columns.
        let user = RecordSchema.user.upsert()
        #expect(user.contains("(r->'bot_of'->>'id')::bigint"))
        #expect(user.contains("r->'bot_of'->>'kind'"))
        #expect(!user.contains("id = EXCLUDED.id,") && user.contains("ON CONFLICT (id)"))
        // Keys the JSON leaves out while unset read as their default.
        #expect(user.contains("(coalesce(r->>'failed_attempts', '0'))::bigint"))
        #expect(RecordSchema.webSession.upsert().contains("ON CONFLICT (digest)"))
        let members = RecordSchema.membership.upsert()
        #expect(members.contains("ON CONFLICT (resource_type, resource_id, user_id) DO UPDATE SET access_level = EXCLUDED.access_level"))
        #expect(!members.contains("user_id = EXCLUDED"))
        let shares = RecordSchema.groupShare.replaceChildren(of: "group_id", from: "shared_with")
        #expect(shares.contains("(x.e->>'group_id')::bigint"))
        #expect(shares.contains("jsonb_array_elements(coalesce(r->'shared_with', '[]'::jsonb))"))
    }

    @Test func copyCellsFollowTheColumns() {
        let bot = User(
            id: UserID(4), username: "b\tot", name: "bot", email: "", botResource: .group(GroupID(7)),
            createdAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000))
        let cells = Dictionary(uniqueKeysWithValues: zip(columns(RecordSchema.user), RecordSchema.user.copyCells(bot)))
        #expect(cells["bot_resource_id"] == "7")
        #expect(cells["bot_resource_type"] == "group")
        #expect(cells["is_bot"] == "t")
        #expect(cells["username"] == "b\tot")
        let person = User(id: UserID(1), username: "a", name: "A", email: "a@x", createdAt: Timestamp(millisecondsSinceEpoch: 0))
        #expect(RecordSchema.user.copyCells(person).count == tableColumns("users").count)
        #expect(Dictionary(uniqueKeysWithValues: zip(columns(RecordSchema.user), RecordSchema.user.copyCells(person)))["bot_resource_id"]! == nil)
        let group = Group(
            id: GroupID(2), name: "A", path: "a", createdAt: Timestamp(millisecondsSinceEpoch: 0),
            sharedWith: [GroupLink(groupID: GroupID(3), accessLevel: .developer)])
        #expect(RecordSchema.group.copyCells(group).count == tableColumns("groups").count)
        #expect(RecordSchema.groupShare.copyCells(group.sharedWith[0]) == ["30", nil, "3"])
        #expect(TableCopy.shareColumns == "group_id, position, access_level, expires_at, shared_with_group_id")
    }
}
