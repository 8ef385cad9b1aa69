/// `PUT /users/:id`: an administrator changes a user's identity, role and profile, with GitLab's
/// rules (`Users::UpdateService` and the `User` model's validations). A new username renames the
/// user's personal namespace, whose paths follow it (``ResourceIndex``).
extension UserDirectory {
    /// The attributes to change; nil leaves one as it is.
    public struct Changes: Hashable, Sendable {
        public var username: String?
        public var name: String?
        public var email: String?
        public var isAdmin: Bool?
        public var external: Bool?
        public var canCreateGroup: Bool?
        public var projectsLimit: Int?
        public var note: String?
        public var bio: String?
        public var location: String?
        public var websiteURL: String?
        public var organization: String?
        public var jobTitle: String?
        public var pronouns: String?
        /// Checked by ``PasswordRules``; its hash is stored by ``UserDirectory/setPassword(hash:for:keeping:in:)``.
        public var password: String?

        public init() {}
    }

    /// The updated user. GitLab's order: a taken e-mail (409), a taken username (409), then the
    /// model's validations (400, the first failing attribute).
    public static func update(_ id: UserID, _ changes: Changes, in state: inout StoreState) throws(Failure) -> User {
        guard var user = state.user(id) else { throw .notFound }
        if let email = changes.email?.lowercased(), state.users.values.contains(where: { $0.id != id && $0.email.lowercased() == email }) {
            throw .taken("Email")
        }
        if let username = changes.username, username.lowercased() != user.username.lowercased() {
            if state.user(username: username) != nil || state.resources.resource(atPath: username) != nil { throw .taken("Username") }
        }
        if let error = validate(changes) { throw .invalid(error) }
        if let username = changes.username { user.username = username }
        if let name = changes.name { user.name = name }
        if let email = changes.email { user.email = email }
        if let isAdmin = changes.isAdmin { user.isAdmin = isAdmin }
        if let external = changes.external { user.profile.external = external }
        if let canCreateGroup = changes.canCreateGroup { user.profile.canCreateGroup = canCreateGroup }
        if let projectsLimit = changes.projectsLimit { user.profile.projectsLimit = projectsLimit }
        if let note = changes.note { user.profile.note = note }
        if let bio = changes.bio { user.profile.bio = bio }
        if let location = changes.location { user.profile.location = location }
        if let websiteURL = changes.websiteURL { user.profile.websiteURL = websiteURL }
        if let organization = changes.organization { user.profile.organization = organization }
        if let jobTitle = changes.jobTitle { user.profile.jobTitle = jobTitle }
        if let pronouns = changes.pronouns { user.profile.pronouns = pronouns }
        state.put(user)
        return user
    }

    /// The first model error among the changes, in GitLab's attribute order.
    static func validate(_ changes: Changes) -> FieldError? {
        if let username = changes.username {
            if let error = FieldError.length("username", username, maximum: FieldLimits.username) { return error }
            if !UserRules.hasValidUsernameCharacters(username) {
                return FieldError("username", "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'.")
            }
        }
        if let name = changes.name {
            if name.allSatisfy(\.isWhitespace) { return FieldError("name", "can't be blank") }
            if let error = FieldError.length("name", name, maximum: FieldLimits.userName) { return error }
        }
        if let email = changes.email {
            if let error = FieldError.length("email", email, maximum: FieldLimits.email) { return error }
            if !email.contains("@") { return FieldError("email", "is invalid") }
        }
        if let password = changes.password, let error = PasswordRules.check(password) { return error }
        if let limit = changes.projectsLimit {
            if limit < 0 { return FieldError("projects_limit", "must be greater than or equal to 0") }
            if limit > FieldLimits.projectsLimit { return FieldError("projects_limit", "must be less than or equal to \(FieldLimits.projectsLimit)") }
        }
        let lengths: [(String, String?, Int)] = [
            ("bio", changes.bio, FieldLimits.userBio), ("location", changes.location, FieldLimits.userLocation),
            ("website_url", changes.websiteURL, FieldLimits.userWebsiteURL), ("organization", changes.organization, FieldLimits.userOrganization),
            ("job_title", changes.jobTitle, FieldLimits.userJobTitle), ("pronouns", changes.pronouns, FieldLimits.userPronouns),
            ("note", changes.note, FieldLimits.userNote),
        ]
        for (field, value, maximum) in lengths {
            if let error = FieldError.length(field, value, maximum: maximum) { return error }
        }
        return nil
    }
}
