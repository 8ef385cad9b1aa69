import Logging
import TokenStore
import TokenCore

/// Loading the replica from the normalised tables: at a worker's first request, and whenever
/// the log does not continue from where the replica stands.
extension PostgresStore {
    /// Loads the tables on first use (the caller holds the replica exclusively).
    func loadIfNeeded() throws {
        guard !loaded else { return }
        try pool.withConnection { connection in
            let version = try PostgresSchema.currentVersion(connection)
            guard version >= PostgresSchema.latestVersion else {
                throw PostgresError(
                    .corrupt, operation: "open", location: location.description,
                    detail: version == 0
                        ? "no tokend schema here: run `tokend init` (or `tokend store migrate`) with this store first"
                        : "schema version \(version) is older than this release's \(PostgresSchema.latestVersion): run `tokend store migrate`")
            }
            guard version == PostgresSchema.latestVersion else {
                throw PostgresError(
                    .corrupt, operation: "open", location: location.description,
                    detail: "schema version \(version) is newer than this release knows (\(PostgresSchema.latestVersion)): upgrade tokend")
            }
            try reload(on: connection, into: &state)
        }
        loaded = true
    }

    /// Replaces the replica with the tables as `connection` sees them: in its transaction when
    /// it is in one (a repeatable-read one, or one holding the write lock, so no other writer),
    /// else in a repeatable-read transaction of its own.
    func reload(on connection: PostgresConnection, into target: inout StoreState) throws {
        guard connection.inTransaction else {
            try connection.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", timeoutMilliseconds: queryTimeoutMilliseconds)
            do {
                try reload(on: connection, into: &target)
                try connection.script("COMMIT", timeoutMilliseconds: queryTimeoutMilliseconds)
            } catch {
                _ = try? connection.script("ROLLBACK", timeoutMilliseconds: queryTimeoutMilliseconds)
                throw error
            }
            return
        }
        let started = PostgresConnection.now()
        let timeout = max(queryTimeoutMilliseconds, 120_000)
        let instance = try connection.query(
            "SELECT last_seq, next_user_id, next_token_id, next_group_id, next_project_id, next_hook_id FROM tokend.instance",
            timeoutMilliseconds: timeout)
        guard instance.rowCount == 1, let seq = instance.int(0, 0) else {
            throw PostgresError(
                .corrupt, operation: "read", location: location.description,
                detail: "tokend.instance has no row: run `tokend init` with this store first")
        }
        var fresh = StoreState()
        let users = try connection.query(
            "SELECT id, username, name, email, is_admin, is_bot, bot_resource_type, bot_resource_id, state, "
                + "\(ms("created_at")) FROM tokend.users ORDER BY id", timeoutMilliseconds: timeout)
        for row in 0..<users.rowCount {
            let bot: Resource? = users.int(row, 7).flatMap { id in
                users.string(row, 6) == "group" ? .group(GroupID(id)) : .project(ProjectID(id))
            }
            fresh.apply(.putUser(User(
                id: UserID(users.int(row, 0)!), username: users.string(row, 1)!, name: users.string(row, 2)!,
                email: users.string(row, 3)!, isAdmin: users.bool(row, 4), isBot: users.bool(row, 5), botResource: bot,
                state: User.State(rawValue: users.string(row, 8)!) ?? .active, createdAt: time(users, row, 9)!)))
        }
        let shares = try connection.query(
            "SELECT group_id, shared_with_group_id, access_level, expires_at::text FROM tokend.group_shares ORDER BY group_id, position",
            timeoutMilliseconds: timeout)
        var linksByGroup: [Int: [GroupLink]] = [:]
        for row in 0..<shares.rowCount {
            linksByGroup[shares.int(row, 0)!, default: []].append(GroupLink(
                groupID: GroupID(shares.int(row, 1)!), accessLevel: AccessLevel(rawValue: shares.int(row, 2)!) ?? .guest,
                expiresAt: shares.string(row, 3).flatMap(CivilDate.init(iso8601:))))
        }
        let groups = try connection.query(
            "SELECT id, name, path, description, parent_id, visibility, \(ms("created_at")) FROM tokend.groups ORDER BY id",
            timeoutMilliseconds: timeout)
        for row in 0..<groups.rowCount {
            let id = groups.int(row, 0)!
            fresh.apply(.putGroup(Group(
                id: GroupID(id), name: groups.string(row, 1)!, path: groups.string(row, 2)!, description: groups.string(row, 3)!,
                parentID: groups.int(row, 4).map { GroupID($0) }, visibility: Visibility(rawValue: groups.string(row, 5)!) ?? .private,
                createdAt: time(groups, row, 6)!, sharedWith: linksByGroup[id] ?? [])))
        }
        let projects = try connection.query(
            "SELECT id, name, path, description, namespace_kind, namespace_id, visibility, \(ms("created_at")) "
                + "FROM tokend.projects ORDER BY id", timeoutMilliseconds: timeout)
        for row in 0..<projects.rowCount {
            let namespaceID = projects.int(row, 5)!
            fresh.apply(.putProject(Project(
                id: ProjectID(projects.int(row, 0)!), name: projects.string(row, 1)!, path: projects.string(row, 2)!,
                description: projects.string(row, 3),
                namespace: projects.string(row, 4) == "user" ? .user(UserID(namespaceID)) : .group(GroupID(namespaceID)),
                visibility: Visibility(rawValue: projects.string(row, 6)!) ?? .private, createdAt: time(projects, row, 7)!)))
        }
        let members = try connection.query(
            "SELECT resource_type, resource_id, user_id, access_level, expires_at::text, \(ms("created_at")), created_by "
                + "FROM tokend.members ORDER BY resource_type, resource_id, user_id", timeoutMilliseconds: timeout)
        for row in 0..<members.rowCount {
            let resourceID = members.int(row, 1)!
            fresh.apply(.putMembership(Membership(
                resource: members.string(row, 0) == "group" ? .group(GroupID(resourceID)) : .project(ProjectID(resourceID)),
                userID: UserID(members.int(row, 2)!), accessLevel: AccessLevel(rawValue: members.int(row, 3)!) ?? .guest,
                expiresAt: members.string(row, 4).flatMap(CivilDate.init(iso8601:)), createdAt: time(members, row, 5)!,
                createdBy: members.int(row, 6).map { UserID($0) })))
        }
        try loadTokens(on: connection, into: &fresh, timeout: timeout)
        try loadAuditChain(on: connection, timeout: timeout)
        let puts = try connection.query(
            "SELECT change FROM tokend.hooks UNION ALL SELECT change FROM tokend.expiry_notices", timeoutMilliseconds: timeout)
        for row in 0..<puts.rowCount {
            do {
                fresh.apply(try ChangeCoding.decode(Array(puts.string(row, 0)!.utf8)))
            } catch {
                throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "a hook or notice row: \(error)")
            }
        }
        fresh.reserveIDs(
            nextUserID: instance.int(0, 1) ?? 1, nextTokenID: instance.int(0, 2) ?? 1, nextGroupID: instance.int(0, 3) ?? 1,
            nextProjectID: instance.int(0, 4) ?? 1, nextHookID: instance.int(0, 5) ?? 1)
        target = consume fresh
        lastSeq = seq
        loaded = true
        let elapsed = PostgresConnection.now() - started
        logger.log(
            level: elapsed >= 500 ? .notice : .debug, "loaded the store from the database",
            metadata: ["location": "\(location)", "last_seq": "\(seq)", "milliseconds": "\(elapsed)"])
    }

    /// The tokens, through a cursor 50,000 rows at a time (a million at once would hold the
    /// whole result twice in memory).
    private func loadTokens(on connection: PostgresConnection, into state: inout StoreState, timeout: Int) throws {
        let count = try connection.query("SELECT count(*) FROM tokend.tokens", timeoutMilliseconds: timeout).int(0, 0) ?? 0
        state.beginBulkLoad()
        defer { state.endBulkLoad() }
        state.reserveCapacity(tokens: count)
        let separator = "E'\\x1f'"
        try connection.script(
            "DECLARE tokend_tokens NO SCROLL CURSOR FOR SELECT id, user_id, name, description, "
                + "array_to_string(scopes, \(separator)), array_to_string(last_used_ips, \(separator)), encode(digest, 'hex'), "
                + "\(ms("created_at")), \(ms("updated_at")), \(ms("last_used_at")), previous_token_id, expires_at::text, revoked, "
                + "impersonation FROM tokend.tokens ORDER BY id", timeoutMilliseconds: timeout)
        defer { _ = try? connection.script("CLOSE tokend_tokens", timeoutMilliseconds: timeout) }
        var scopeLists: [String: [Scope]] = [:]
        while true {
            let rows = try connection.query("FETCH 50000 FROM tokend_tokens", timeoutMilliseconds: timeout)
            guard rows.rowCount > 0 else { break }
            for row in 0..<rows.rowCount {
                let scopeText = rows.string(row, 4) ?? ""
                let scopes: [Scope]
                if let known = scopeLists[scopeText] {
                    scopes = known
                } else {
                    scopes = scopeText.isEmpty ? [] : scopeText.split(separator: "\u{1f}").map { Scope(rawValue: String($0)) }
                    if scopeLists.count < 1000 { scopeLists[scopeText] = scopes }
                }
                let ips = rows.string(row, 5).map { $0.isEmpty ? [] : $0.split(separator: "\u{1f}").map(String.init) } ?? []
                guard let digest = rows.withBytes(row, 6, { TokenDigest(hexUTF8: $0) }) ?? nil else {
                    throw PostgresError(.corrupt, operation: "read", location: location.description, detail: "token \(rows.string(row, 0) ?? "?") has no digest")
                }
                state.apply(.putToken(AccessToken(
                    id: TokenID(rows.int(row, 0)!), userID: UserID(rows.int(row, 1)!), name: rows.string(row, 2)!,
                    description: rows.string(row, 3), scopes: scopes, revoked: rows.bool(row, 12),
                    expiresAt: rows.string(row, 11).flatMap(CivilDate.init(iso8601:)), createdAt: time(rows, row, 7)!,
                    updatedAt: time(rows, row, 8), lastUsedAt: time(rows, row, 9), lastUsedIPs: ips,
                    impersonation: rows.bool(row, 13), previousTokenID: rows.int(row, 10).map { TokenID($0) }, digest: digest)))
            }
        }
    }

    /// A timestamptz column as integer milliseconds since the epoch (exact: tokend writes milliseconds).
    private func ms(_ column: String) -> String { "(extract(epoch from \(column)) * 1000)::bigint" }

    private func time(_ result: PostgresResult, _ row: Int, _ column: Int) -> Timestamp? {
        result.int(row, column).map { Timestamp(millisecondsSinceEpoch: Int64($0)) }
    }
}
