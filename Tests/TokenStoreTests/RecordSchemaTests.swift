import Foundation
import JSON
import Testing
import TokenCore
import TokenRecords

/// Users, groups (with their shares), projects and memberships coded by their ``RecordSchema``:
/// the bytes are the ones earlier releases wrote, absent keys take the defaults earlier
/// decoders gave them, and malformed records are refused.
struct RecordSchemaTests {
    let created = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)

    func json<Record>(_ schema: RecordSchema<Record>, _ record: Record) -> String {
        var w = JSONWriter()
        schema.write(record, into: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    func decode<Record>(_ schema: RecordSchema<Record>, _ text: String) throws -> Record {
        try schema.decode(try JSONParser.parse(Array(text.utf8)))
    }

    @Test func usersKeepTheirBytesAndRoundTrip() throws {
        let alice = User(id: UserID(1), username: "alice", name: "Alice", email: "a@x", isAdmin: true, state: .blocked, createdAt: created)
        let bot = User(id: UserID(4), username: "project_5_bot_x", name: "bot", email: "", botResource: .project(ProjectID(5)), createdAt: created)
        let groupBot = User(id: UserID(6), username: "b", name: "b", email: "", botResource: .group(GroupID(7)), createdAt: created)
        #expect(json(.user, alice) == #"{"admin":true,"bot":false,"created_at":1750000000000,"email":"a@x","id":1,"name":"Alice","state":"blocked","username":"alice"}"#)
        #expect(json(.user, bot) == #"{"admin":false,"bot":true,"bot_of":{"id":5,"kind":"project"},"created_at":1750000000000,"email":"","id":4,"name":"bot","state":"active","username":"project_5_bot_x"}"#)
        for user in [alice, bot, groupBot] { #expect(try decode(.user, json(.user, user)) == user) }
    }

    @Test func serviceAccountsAreANestedObjectLeftOutForOthers() throws {
        let instance = User(id: UserID(8), username: "sa", name: "SA", email: "sa@x", isServiceAccount: true, createdAt: created)
        let group = User(id: UserID(9), username: "g", name: "G", email: "g@x", provisionedBy: .group(GroupID(3)), createdAt: created)
        let project = User(id: UserID(10), username: "p", name: "P", email: "p@x", provisionedBy: .project(ProjectID(4)), createdAt: created)
        #expect(json(.user, instance) == #"{"admin":false,"bot":false,"created_at":1750000000000,"email":"sa@x","id":8,"name":"SA","service_account":{"id":null,"kind":"instance"},"state":"active","username":"sa"}"#)
        #expect(json(.user, group).contains(#""service_account":{"id":3,"kind":"group"}"#))
        for user in [instance, group, project] { #expect(try decode(.user, json(.user, user)) == user) }
        #expect(group.isServiceAccount && project.isServiceAccount)
        #expect(throws: RecordCoding.DecodeError.self) {
            try decode(.user, #"{"created_at":1,"id":4,"service_account":{"id":3,"kind":"instance"},"username":"b"}"#)
        }
        #expect(throws: RecordCoding.DecodeError.self) {
            try decode(.user, #"{"created_at":1,"id":4,"service_account":{"kind":"group"},"username":"b"}"#)
        }
    }

    @Test func absentUserKeysTakeTheirOldDefaults() throws {
        // Before bot_of, name, email: the username names both the user and the bot's resource.
        let old = try decode(.user, #"{"bot":true,"created_at":1,"id":4,"state":"gone","username":"group_7_bot_x"}"#)
        #expect(old.name == "group_7_bot_x")
        #expect(old.email == "")
        #expect(!old.isAdmin)
        #expect(old.state == .active)
        #expect(old.botResource == .group(GroupID(7)))
        let person = try decode(.user, #"{"created_at":1,"id":2,"username":"project_1_bot_y"}"#)
        #expect(person.botResource == nil)
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.user, #"{"bot":true,"bot_of":{"kind":"group"},"created_at":1,"id":4,"username":"b"}"#) }
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.user, #"{"bot":true,"bot_of":{"id":3,"kind":"user"},"created_at":1,"id":4,"username":"b"}"#) }
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.user, #"{"created_at":1,"id":4}"#) }
    }

    @Test func groupsWithAndWithoutSharesKeepTheirBytes() throws {
        var group = Group(id: GroupID(2), name: "Acme", path: "acme", description: "d", visibility: .internal, createdAt: created)
        #expect(json(.group, group) == #"{"created_at":1750000000000,"description":"d","id":2,"name":"Acme","parent_id":null,"path":"acme","visibility":"internal"}"#)
        group.parentID = GroupID(1)
        group.sharedWith = [
            GroupLink(groupID: GroupID(4), accessLevel: .developer, expiresAt: CivilDate(iso8601: "2027-01-31")),
            GroupLink(groupID: GroupID(3), accessLevel: .guest),
        ]
        #expect(json(.group, group) == #"{"created_at":1750000000000,"description":"d","id":2,"name":"Acme","parent_id":1,"path":"acme","shared_with":[{"access_level":30,"expires_at":"2027-01-31","group_id":4},{"access_level":10,"expires_at":null,"group_id":3}],"visibility":"internal"}"#)
        #expect(try decode(.group, json(.group, group)) == group)
    }

    @Test func absentGroupKeysAndBadShares() throws {
        let old = try decode(.group, #"{"created_at":1,"id":2,"name":"A","path":"a"}"#)
        #expect(old.description == "")
        #expect(old.visibility == .private)
        #expect(old.sharedWith.isEmpty)
        #expect(old.parentID == nil)
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.group, #"{"created_at":1,"id":2,"name":"A","path":"a","shared_with":[{"access_level":30}]}"#) }
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.group, #"{"created_at":1,"id":2,"name":"A","path":"a","visibility":"secret"}"#) }
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.group, #"{"created_at":1,"id":2,"path":"a"}"#) }
    }

    @Test func projectsKeepTheirBytesAndNeedANamespace() throws {
        let inGroup = Project(id: ProjectID(3), name: "App", path: "app", namespace: .group(GroupID(2)), createdAt: created)
        var personal = Project(id: ProjectID(4), name: "Mine", path: "mine", description: "m", namespace: .user(UserID(1)), visibility: .public, createdAt: created)
        #expect(json(.project, inGroup) == #"{"created_at":1750000000000,"description":null,"id":3,"name":"App","namespace_id":2,"namespace_kind":"group","path":"app","visibility":"private"}"#)
        for project in [inGroup, personal] { #expect(try decode(.project, json(.project, project)) == project) }
        personal.description = nil
        #expect(try decode(.project, #"{"created_at":1750000000000,"id":4,"name":"Mine","namespace_id":1,"namespace_kind":"user","path":"mine","visibility":"public"}"#) == personal)
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.project, #"{"created_at":1,"id":4,"name":"M","namespace_id":1,"path":"m"}"#) }
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.project, #"{"created_at":1,"id":4,"name":"M","namespace_id":1,"namespace_kind":"project","path":"m"}"#) }
    }

    @Test func membershipsKeepTheirBytesAndRefuseUnknownLevels() throws {
        let plain = Membership(resource: .project(ProjectID(3)), userID: UserID(1), accessLevel: .developer, createdAt: created)
        let full = Membership(
            resource: .group(GroupID(2)), userID: UserID(5), accessLevel: .owner, expiresAt: CivilDate(iso8601: "2026-12-01"), createdAt: created,
            createdBy: UserID(1))
        #expect(json(.membership, plain) == #"{"access_level":30,"created_at":1750000000000,"created_by":null,"expires_at":null,"resource_id":3,"resource_type":"project","user_id":1}"#)
        for membership in [plain, full] { #expect(try decode(.membership, json(.membership, membership)) == membership) }
        #expect(try decode(.membership, #"{"access_level":30,"created_at":1750000000000,"resource_id":3,"resource_type":"project","user_id":1}"#) == plain)
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.membership, #"{"access_level":31,"created_at":1,"resource_id":3,"resource_type":"project","user_id":1}"#) }
        #expect(throws: RecordCoding.DecodeError.self) { try decode(.membership, #"{"access_level":30,"created_at":1,"expires_at":"soon","resource_id":3,"resource_type":"project","user_id":1}"#) }
    }

    @Test func everySchemaHasSortedUniqueKeys() {
        func check<Record>(_ schema: RecordSchema<Record>) {
            let keys = schema.fields.map { ($0.parent.map { $0 + "." } ?? "") + $0.key }
            #expect(keys == keys.sorted(), "\(schema.kind)")
            #expect(Set(schema.columnFields.map(\.column)).count == schema.columnFields.count, "\(schema.kind)")
        }
        check(RecordSchema.token)
        check(RecordSchema.user)
        check(RecordSchema.group)
        check(RecordSchema.groupShare)
        check(RecordSchema.project)
        check(RecordSchema.membership)
        check(RecordSchema.deployToken)
    }

    @Test func deployTokensKeepTheirBytesAndNeedAHolder() throws {
        let digest = TokenDigest(bytes: [UInt8](repeating: 0xAB, count: 32))
        let plain = DeployToken(id: DeployTokenID(3), resource: .group(GroupID(2)), name: "pull", digest: digest, scopes: ["read_registry"], createdAt: created)
        var full = plain
        full.resource = .project(ProjectID(9))
        full.customUsername = "puller"
        full.expiresAt = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
        full.revoked = true
        full.creatorID = UserID(1)
        let hex = String(repeating: "ab", count: 32)
        #expect(json(.deployToken, plain) == #"{"created_at":1750000000000,"creator_id":null,"digest":"\#(hex)","expires_at":null,"id":3,"name":"pull","resource_id":2,"resource_type":"group","revoked":false,"scopes":["read_registry"],"username":null}"#)
        for token in [plain, full] { #expect(try decode(.deployToken, json(.deployToken, token)) == token) }
        // Through a change line, as the journal, the change log and an export hold it.
        let line = RecordCoding.journalLine(.putDeployToken(full), seq: 7)
        #expect(try RecordCoding.decodeJournalLine(try JSONParser.parse(Array(line.dropLast()))).change == .putDeployToken(full))
        let deletion = RecordCoding.journalLine(.deleteDeployToken(DeployTokenID(3)), seq: 8)
        #expect(String(decoding: deletion, as: UTF8.self) == #"{"id":3,"kind":"deploy_token","op":"delete","seq":8}"# + "\n")
        #expect(try RecordCoding.decodeJournalLine(try JSONParser.parse(Array(deletion.dropLast()))).change == .deleteDeployToken(DeployTokenID(3)))
        #expect(throws: RecordCoding.DecodeError.self) {
            try decode(.deployToken, #"{"created_at":1,"digest":"\#(hex)","id":3,"name":"x","resource_id":2,"resource_type":"user","scopes":[]}"#)
        }
    }
}
