package import TokenCore

extension RecordSchema where Record == User {
    /// A user's fields: the JSON store's lines, the change log, exports, and `tokend.users`.
    /// Keys sorted. A bot's resource is the nested `bot_of` object (`{"id":5,"kind":"project"}`),
    /// left out for people; in SQL its two columns. A service account is the nested
    /// `service_account` object the same way. The sign-in fields (`failed_attempts`, `locked_at`,
    /// `password_hash`) are left out while unset, so users without a password keep their bytes. The
    /// profile (``UserProfile``) is one field per attribute; a store written before it loads
    /// GitLab's defaults.
    package static let user = RecordSchema(
        kind: "user", table: "users",
        prototype: User(id: UserID(0), username: "", name: "", email: "", createdAt: Timestamp(millisecondsSinceEpoch: 0)),
        fields: [
            .boolean("admin", column: "is_admin", get: { $0.isAdmin }, set: { $0.isAdmin = $1 }),
            .text("bio", get: { $0.profile.bio }, set: { $0.profile.bio = $1 }),
            .boolean("bot", column: "is_bot", get: { $0.isBot }, set: { $0.isBot = $1 }),
            // Written before bot_of existed: a bot's username names its resource.
            .optionalInteger(
                "id", column: "bot_resource_id", parent: "bot_of", required: true, get: { $0.botResource?.rawID },
                set: { user, id in
                    guard let id else { return user.botResource = nil }
                    user.botResource = user.botResource?.kind == "group" ? .group(GroupID(id)) : .project(ProjectID(id))
                    user.isBot = true
                }, absent: { user in if user.isBot, user.botResource == nil { user.botResource = User.botResource(fromUsername: user.username) } }),
            RecordField(
                "kind", column: "bot_resource_type", parent: "bot_of", kind: .text, nullable: true, required: true,
                get: { $0.botResource.map { .text($0.kind) } ?? .null },
                set: { user, value in
                    switch value {
                    case .null: return true
                    case .text(let kind):
                        guard let resource = Resource(kind: kind, rawID: user.botResource?.rawID ?? 0) else { return false }
                        if user.botResource != nil { user.botResource = resource }
                        return true
                    default: return false
                    }
                }),
            .boolean("can_create_group", get: { $0.profile.canCreateGroup }, set: { $0.profile.canCreateGroup = $1 }),
            .milliseconds("created_at", required: true, get: { $0.createdAt }, set: { $0.createdAt = $1 }),
            .text("email", get: { $0.email }, set: { $0.email = $1 }),
            .boolean("external", get: { $0.profile.external }, set: { $0.profile.external = $1 }),
            .integer("failed_attempts", get: { $0.failedAttempts }, set: { $0.failedAttempts = $1 }).omitted(when: .integer(0)),
            .integer("id", required: true, get: { $0.id.rawValue }, set: { $0.id = UserID($1) }),
            .text("job_title", get: { $0.profile.jobTitle }, set: { $0.profile.jobTitle = $1 }),
            .text("location", get: { $0.profile.location }, set: { $0.profile.location = $1 }),
            .optionalMilliseconds("locked_at", get: { $0.lockedAt }, set: { $0.lockedAt = $1 }).omitted(when: .null),
            // Written without a name: the username stands for it.
            .text("name", get: { $0.name }, set: { $0.name = $1 }, absent: { $0.name = $0.username }),
            .optionalText("note", get: { $0.profile.note }, set: { $0.profile.note = $1 }),
            .text("organization", get: { $0.profile.organization }, set: { $0.profile.organization = $1 }),
            // The bcrypt hash (GitLab's `encrypted_password`): kept by exports, never in an entity.
            .optionalText("password_hash", column: "encrypted_password", get: { $0.passwordHash }, set: { $0.passwordHash = $1 }).omitted(when: .null),
            .integer("projects_limit", get: { $0.profile.projectsLimit }, set: { $0.profile.projectsLimit = $1 }),
            .optionalText("pronouns", get: { $0.profile.pronouns }, set: { $0.profile.pronouns = $1 }),
            // A service account: `{"kind":"instance"}`, or the group or project that provisioned it
            // (`{"id":7,"kind":"group"}`); left out for everyone else, so their lines are unchanged.
            .optionalInteger(
                "id", column: "service_account_of", parent: "service_account", get: { $0.provisionedBy?.rawID },
                set: { user, id in
                    user.provisionedBy = id.map { .group(GroupID($0)) }
                    if id != nil { user.isServiceAccount = true }
                }),
            RecordField(
                "kind", column: "service_account_kind", parent: "service_account", kind: .text, nullable: true, required: true,
                get: { $0.isServiceAccount ? .text($0.provisionedBy?.kind ?? "instance") : .null },
                set: { user, value in
                    switch value {
                    case .null: return user.provisionedBy == nil
                    case .text("instance"):
                        user.isServiceAccount = true
                        return user.provisionedBy == nil
                    case .text(let kind):
                        guard let id = user.provisionedBy?.rawID, let resource = Resource(kind: kind, rawID: id) else { return false }
                        user.provisionedBy = resource
                        user.isServiceAccount = true
                        return true
                    default: return false
                    }
                }),
            .textCode("state", unknown: .active, get: { $0.state }, set: { $0.state = $1 }),
            .text("username", required: true, get: { $0.username }, set: { $0.username = $1 }),
            .text("website_url", get: { $0.profile.websiteURL }, set: { $0.profile.websiteURL = $1 }),
        ])
}
