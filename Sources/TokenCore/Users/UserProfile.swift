/// The attributes of a GitLab user that administrators set and GitLab's user entities show,
/// beyond identity and state: kept and shown back, though tokend acts on none of them (it makes
/// no groups or personal projects count against them). A store written before they existed
/// loads GitLab's defaults.
public struct UserProfile: Hashable, Sendable {
    public var external = false
    /// Shown as `can_create_group`, always false for bots.
    public var canCreateGroup = true
    /// GitLab's default for a new user.
    public var projectsLimit = 100_000
    /// The administrators' note (`UserWithAdmin` only).
    public var note: String?
    public var bio = ""
    public var location = ""
    public var websiteURL = ""
    public var organization = ""
    public var jobTitle = ""
    public var pronouns: String?

    public init() {}
}

extension User {
    /// GitLab's `external`: marked so by an administrator, or a service account (always external).
    public var isExternal: Bool { profile.external || isServiceAccount }
}

extension FieldLimits {
    /// GitLab's `User` and `UserDetail` validations.
    public static let userBio = 255
    public static let userLocation = 255
    public static let userWebsiteURL = 255
    public static let userOrganization = 500
    public static let userJobTitle = 200
    public static let userPronouns = 50
    /// GitLab has no limit on the admin note; tokend bounds it.
    public static let userNote = 10_000
    /// The largest `projects_limit` (PostgreSQL's integer).
    public static let projectsLimit = 2_147_483_647
}
