import HTTPTypes
import JSON
import TokenCore

/// GitLab's user entities, each a superset of the one before, in GitLab's field order. Which
/// one a caller gets decides what they learn: another user's `email` and `is_admin` only ever
/// reach administrators, and a user's own `email` comes from `GET /user`.
enum UserEntity {
    enum Detail: Comparable {
        /// `UserBasic`: `GET /users` for non-admins, member `created_by`.
        case basic
        /// `User`: `GET /users/:id` for non-admins (`public_email`, never `email`).
        case profile
        /// `UserPublic`: `GET /user` for non-admins, the caller themself (`email`).
        case own
        /// `UserWithAdmin`: every admin view (`email`, `is_admin`).
        case admin
    }

    static func write(_ user: User, _ detail: Detail, webBase: String, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", user.id.rawValue)
        w.field("username", user.username)
        w.field("name", user.name)
        w.field("state", user.state.rawValue)
        w.field("locked", false)
        w.field("avatar_url", nil as String?)
        w.field("web_url", webBase + "/" + user.username)
        if detail >= .profile {
            w.field("created_at", user.createdAt.iso8601)
            w.field("bio", user.profile.bio)
            w.field("location", user.profile.location)
            w.field("public_email", nil as String?)
            for empty in ["skype", "linkedin", "twitter", "discord"] { w.field(empty, "") }
            w.field("website_url", user.profile.websiteURL)
            w.field("organization", user.profile.organization)
            w.field("job_title", user.profile.jobTitle)
            w.field("pronouns", user.profile.pronouns)
            w.field("bot", user.isBotUserType)
            w.field("work_information", nil as String?)
            w.field("followers", 0)
            w.field("following", 0)
        }
        if detail >= .own {
            w.field("last_sign_in_at", nil as String?)
            w.field("confirmed_at", user.createdAt.iso8601)
            w.field("last_activity_on", nil as String?)
            w.field("email", user.email)
            w.field("projects_limit", user.profile.projectsLimit)
            w.field("current_sign_in_at", nil as String?)
            w.field("can_create_group", user.profile.canCreateGroup && !user.isBotUserType)
            w.field("can_create_project", user.profile.projectsLimit > 0 && !user.isBotUserType)
            w.field("two_factor_enabled", false)
            w.field("external", user.isExternal)
            w.field("private_profile", false)
            w.field("commit_email", user.email)
        }
        if detail >= .admin {
            w.field("is_admin", user.isAdmin)
            w.field("note", user.profile.note)
            w.field("namespace_id", Namespace.user(user.id).apiID)
        }
        w.endObject()
    }
}
