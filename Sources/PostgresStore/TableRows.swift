import Synchronization
import TokenCore

/// The normalised tables' side of a change: the statements that bring the rows up to date
/// with it, written in the same transaction as the change's log entry.
enum TableRows {
    static let userColumns = "id, username, name, email, is_admin, is_bot, bot_resource_type, bot_resource_id, state, created_at"
    static let tokenColumns =
        "id, user_id, family_id, previous_token_id, name, description, scopes, digest, revoked, impersonation, expires_at, "
        + "created_at, updated_at, last_used_at, last_used_ips"
    static let groupColumns = "id, name, path, description, parent_id, visibility, created_at"
    static let shareColumns = "group_id, position, shared_with_group_id, access_level, expires_at"
    static let projectColumns = "id, name, path, description, namespace_kind, namespace_id, visibility, created_at"
    static let memberColumns = "resource_type, resource_id, user_id, access_level, expires_at, created_at, created_by"

    /// The statements for `change`, `;`-terminated; `state` is the state after the transaction
    /// (it names a token's family).
    static func statements(for change: StoreChange, in state: borrowing StoreState) -> String {
        switch change {
        case .putUser(let user):
            return upsert("users", userColumns, values(user), key: "id")
        case .deleteUser(let id):
            return "DELETE FROM tokend.users WHERE id = \(id.rawValue);"
        case .putToken(let token):
            let family = familyRoot(of: token, in: state)
            return "INSERT INTO tokend.token_families (id, user_id, created_at) VALUES (\(family.id.rawValue), "
                + "\(family.userID.rawValue), \(SQLLiteral.timestamp(family.createdAt))) ON CONFLICT (id) DO NOTHING;"
                + upsert("tokens", tokenColumns, values(token, family: family.id), key: "id")
        case .putGroup(let group):
            var sql = upsert("groups", groupColumns, values(group), key: "id")
            sql += "DELETE FROM tokend.group_shares WHERE group_id = \(group.id.rawValue);"
            for (position, link) in group.sharedWith.enumerated() {
                sql += "INSERT INTO tokend.group_shares (\(shareColumns)) VALUES (\(values(link, of: group.id, at: position)));"
            }
            return sql
        case .deleteGroup(let id):
            return "DELETE FROM tokend.group_shares WHERE group_id = \(id.rawValue);DELETE FROM tokend.groups WHERE id = \(id.rawValue);"
        case .putProject(let project):
            return upsert("projects", projectColumns, values(project), key: "id")
        case .deleteProject(let id):
            return "DELETE FROM tokend.projects WHERE id = \(id.rawValue);"
        case .putMembership(let membership):
            return upsert("members", memberColumns, values(membership), key: "resource_type, resource_id, user_id")
        case .deleteMembership(let key):
            return "DELETE FROM tokend.members WHERE resource_type = '\(key.resource.kind)' AND resource_id = \(key.resource.rawID) "
                + "AND user_id = \(key.userID.rawValue);"
        }
    }

    /// The first token of `token`'s rotation chain (GitLab's token family), found through
    /// `previousTokenID` in `state`; the token itself when it was not rotated from another.
    static func familyRoot(of token: AccessToken, in state: borrowing StoreState) -> AccessToken {
        var root = token
        var steps = 0
        while let previous = root.previousTokenID, steps < 1_000_000, let found = state.token(previous) {
            root = found
            steps += 1
        }
        return root
    }

    private static func upsert(_ table: String, _ columns: String, _ values: String, key: String) -> String {
        let clause = Upsert.clauses.withLock { clauses in
            if let known = clauses[table] { return known }
            let keys = Set(key.split(separator: ",").map { $0.trimmingSpaces })
            let updates = columns.split(separator: ",").map { $0.trimmingSpaces }.filter { !keys.contains($0) }
                .map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
            let made = (prefix: "INSERT INTO tokend.\(table) (\(columns)) VALUES (", suffix: ") ON CONFLICT (\(key)) DO UPDATE SET \(updates);")
            clauses[table] = made
            return made
        }
        return clause.prefix + values + clause.suffix
    }

    /// Each table's `INSERT … ON CONFLICT … DO UPDATE` around the values, written once.
    private enum Upsert {
        static let clauses = Mutex<[String: (prefix: String, suffix: String)]>([:])
    }

    // MARK: Values, in the columns' order

    static func values(_ user: User) -> String {
        [
            String(user.id.rawValue), SQLLiteral.text(user.username), SQLLiteral.text(user.name), SQLLiteral.text(user.email),
            SQLLiteral.bool(user.isAdmin), SQLLiteral.bool(user.isBot), SQLLiteral.text(user.botResource?.kind),
            SQLLiteral.int(user.botResource?.rawID), SQLLiteral.text(user.state.rawValue), SQLLiteral.timestamp(user.createdAt),
        ].joined(separator: ",")
    }

    static func values(_ token: AccessToken, family: TokenID) -> String {
        [
            String(token.id.rawValue), String(token.userID.rawValue), String(family.rawValue),
            SQLLiteral.int(token.previousTokenID?.rawValue), SQLLiteral.text(token.name), SQLLiteral.text(token.description),
            SQLLiteral.textArray(token.scopes.map(\.rawValue)), SQLLiteral.digest(token.digest), SQLLiteral.bool(token.revoked),
            SQLLiteral.bool(token.impersonation), SQLLiteral.date(token.expiresAt), SQLLiteral.timestamp(token.createdAt),
            SQLLiteral.timestamp(token.updatedAt), SQLLiteral.timestamp(token.lastUsedAt), SQLLiteral.textArray(token.lastUsedIPs),
        ].joined(separator: ",")
    }

    static func values(_ group: Group) -> String {
        [
            String(group.id.rawValue), SQLLiteral.text(group.name), SQLLiteral.text(group.path), SQLLiteral.text(group.description),
            SQLLiteral.int(group.parentID?.rawValue), SQLLiteral.text(group.visibility.rawValue), SQLLiteral.timestamp(group.createdAt),
        ].joined(separator: ",")
    }

    static func values(_ link: GroupLink, of group: GroupID, at position: Int) -> String {
        [
            String(group.rawValue), String(position), String(link.groupID.rawValue), String(link.accessLevel.rawValue),
            SQLLiteral.date(link.expiresAt),
        ].joined(separator: ",")
    }

    static func values(_ project: Project) -> String {
        let (kind, id): (String, Int)
        switch project.namespace {
        case .group(let group): (kind, id) = ("group", group.rawValue)
        case .user(let user): (kind, id) = ("user", user.rawValue)
        }
        return [
            String(project.id.rawValue), SQLLiteral.text(project.name), SQLLiteral.text(project.path),
            SQLLiteral.text(project.description), SQLLiteral.text(kind), String(id), SQLLiteral.text(project.visibility.rawValue),
            SQLLiteral.timestamp(project.createdAt),
        ].joined(separator: ",")
    }

    static func values(_ membership: Membership) -> String {
        [
            SQLLiteral.text(membership.resource.kind), String(membership.resource.rawID), String(membership.userID.rawValue),
            String(membership.accessLevel.rawValue), SQLLiteral.date(membership.expiresAt), SQLLiteral.timestamp(membership.createdAt),
            SQLLiteral.int(membership.createdBy?.rawValue),
        ].joined(separator: ",")
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
