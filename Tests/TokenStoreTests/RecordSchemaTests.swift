import Foundation
import JSON
import Testing
import TokenCore
import TokenRecords

/// Users, groups (with their shares), projects and memberships coded by their ``RecordSchema``:
/// the bytes are the ones earlier releases wrote (plus, for users and projects, the profile and
/// settings fields added since), absent keys take the defaults earlier decoders gave them, and
/// malformed records are refused.
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
        #expect(json(.user, alice) == #"{"admin":true,"bio":"","bot":false,"can_create_group":true,"created_at":1750000000000,"email":"a@x","external":false,"id":1,"job_title":"","location":"","name":"Alice","note":null,"organization":"","projects_limit":100000,"pronouns":null,"state":"blocked","username":"alice","website_url":""}"#)
        #expect(json(.user, bot) == #"{"admin":false,"bio":"","bot":true,"bot_of":{"id":5,"kind":"project"},"can_create_group":true,"created_at":1750000000000,"email":"","external":false,"id":4,"job_title":"","location":"","name":"bot","note":null,"organization":"","projects_limit":100000,"pronouns":null,"state":"active","username":"project_5_bot_x","website_url":""}"#)
        var profiled = alice
        profiled.profile.external = true
        profiled.profile.projectsLimit = 3
        profiled.profile.note = "ops"
        profiled.profile.pronouns = "she"
        for user in [alice, bot, groupBot, profiled] { #expect(try decode(.user, json(.user, user)) == user) }
        // The bytes earlier releases wrote load with GitLab's defaults for the profile.
        #expect(try decode(.user, #"{"admin":true,"bot":false,"created_at":1750000000000,"email":"a@x","id":1,"name":"Alice","state":"blocked","username":"alice"}"#) == alice)
    }

    /// A token's line in a snapshot and in the journal (the one a create appends): the bytes
    /// earlier releases wrote, field for field.
    @Test func tokensKeepTheirBytes() throws {
        let digest = TokenDigest(hexUTF8: Array("bc73809814ca1d8a6f182d27a6e67c878fb66a90b91cae4bfce2f0d229bcff30".utf8))!
        let made = Timestamp(millisecondsSinceEpoch: 1_796_631_428_495)
        let fresh = AccessToken(
            id: TokenID(100_501), userID: UserID(3), name: "bench", scopes: ["api"], expiresAt: CivilDate(iso8601: "2027-12-07"),
            createdAt: made, digest: digest)
        #expect(String(decoding: RecordCoding.journalLine(.putToken(fresh), seq: 101_007), as: UTF8.self)
            == #"{"kind":"token","op":"put","record":{"created_at":1796631428495,"description":null,"digest":"bc73809814ca1d8a6f182d27a6e67c878fb66a90b91cae4bfce2f0d229bcff30","expires_at":"2027-12-07","id":100501,"impersonation":false,"last_used_at":null,"last_used_ips":[],"name":"bench","previous_id":null,"revoked":false,"scopes":["api"],"updated_at":1796631428495,"user_id":3},"seq":101007}"# + "\n")
        var used = fresh
        used.description = "ci \"deploy\"\n"
        used.expiresAt = nil
        used.lastUsedAt = Timestamp(millisecondsSinceEpoch: 1_796_631_500_000)
        used.lastUsedIPs = ["192.0.2.1", "2001:db8::1"]
        used.previousTokenID = TokenID(7)
        used.revoked = true
        used.impersonation = true
        used.scopes = ["api", "read_user"]
        #expect(String(decoding: RecordCoding.snapshotLine(.putToken(used)), as: UTF8.self)
            == #"{"kind":"token","record":{"created_at":1796631428495,"description":"ci \"deploy\"\n","digest":"bc73809814ca1d8a6f182d27a6e67c878fb66a90b91cae4bfce2f0d229bcff30","expires_at":null,"id":100501,"impersonation":true,"last_used_at":1796631500000,"last_used_ips":["192.0.2.1","2001:db8::1"],"name":"bench","previous_id":7,"revoked":true,"scopes":["api","read_user"],"updated_at":1796631428495,"user_id":3}}"# + "\n")
        #expect(try decode(.token, json(.token, used)) == used)
    }

    @Test func serviceAccountsAreANestedObjectLeftOutForOthers() throws {
        let instance = User(id: UserID(8), username: "sa", name: "SA", email: "sa@x", isServiceAccount: true, createdAt: created)
        let group = User(id: UserID(9), username: "g", name: "G", email: "g@x", provisionedBy: .group(GroupID(3)), createdAt: created)
        let project = User(id: UserID(10), username: "p", name: "P", email: "p@x", provisionedBy: .project(ProjectID(4)), createdAt: created)
        #expect(json(.user, instance) == #"{"admin":false,"bio":"","bot":false,"can_create_group":true,"created_at":1750000000000,"email":"sa@x","external":false,"id":8,"job_title":"","location":"","name":"SA","note":null,"organization":"","projects_limit":100000,"pronouns":null,"service_account":{"id":null,"kind":"instance"},"state":"active","username":"sa","website_url":""}"#)
        #expect(try decode(.user, #"{"admin":false,"bot":false,"created_at":1750000000000,"email":"sa@x","id":8,"name":"SA","service_account":{"id":null,"kind":"instance"},"state":"active","username":"sa"}"#) == instance)
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
        #expect(json(.project, inGroup) == #"{"allow_merge_on_skipped_pipeline":false,"analytics_access_level":"enabled","autoclose_referenced_issues":true,"builds_access_level":"enabled","ci_config_path":null,"container_registry_access_level":"enabled","created_at":1750000000000,"description":null,"emails_enabled":true,"environments_access_level":"enabled","feature_flags_access_level":"enabled","forking_access_level":"enabled","id":3,"infrastructure_access_level":"enabled","issues_access_level":"enabled","lfs_enabled":true,"merge_method":"merge","merge_requests_access_level":"enabled","model_experiments_access_level":"enabled","model_registry_access_level":"enabled","monitor_access_level":"enabled","name":"App","namespace_id":2,"namespace_kind":"group","only_allow_merge_if_all_discussions_are_resolved":false,"only_allow_merge_if_pipeline_succeeds":false,"packages_enabled":true,"pages_access_level":"private","path":"app","printing_merge_request_link_enabled":true,"public_jobs":true,"releases_access_level":"enabled","remove_source_branch_after_merge":true,"repository_access_level":"enabled","request_access_enabled":true,"resolve_outdated_diff_discussions":false,"security_and_compliance_access_level":"enabled","service_desk_enabled":false,"shared_runners_enabled":true,"snippets_access_level":"enabled","squash_option":"default_off","visibility":"private","wiki_access_level":"enabled"}"#)
        var configured = inGroup
        configured.settings[.issues] = .disabled
        configured.settings[.pages] = .public
        configured.settings[.lfsEnabled] = false
        configured.settings.mergeMethod = .ff
        configured.settings.squashOption = .always
        configured.settings.ciConfigPath = "ci.yml"
        for project in [inGroup, personal, configured] { #expect(try decode(.project, json(.project, project)) == project) }
        #expect(throws: RecordCoding.DecodeError.self) {
            try decode(.project, #"{"created_at":1,"id":4,"merge_method":"squash","name":"M","namespace_id":1,"namespace_kind":"user","path":"m"}"#)
        }
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
