/// The settings of a project that GitLab's project entity shows and its clients set: who may use
/// each feature, merge options, and the flags beside them. A tokend project has no repository,
/// issues or pipelines, but these are still data its clients own: configuration tools compare
/// what they wrote with what they read back. Every value starts at GitLab's default for a new
/// project, which is also what a store written before settings existed loads.
public struct ProjectSettings: Hashable, Sendable {
    /// Each feature's access level; a feature not in the map has its ``ProjectFeature/defaultAccess``.
    public var access: [ProjectFeature: FeatureAccess] = [:]
    /// Each flag's value; a flag not in the map has its ``ProjectFlag/defaultValue``.
    public var flags: [ProjectFlag: Bool] = [:]
    public var mergeMethod: MergeMethod = .merge
    public var squashOption: SquashOption = .defaultOff
    /// GitLab's `ci_config_path`: nil until set.
    public var ciConfigPath: String?

    public init() {}

    public subscript(feature: ProjectFeature) -> FeatureAccess {
        get { access[feature] ?? feature.defaultAccess }
        set { access[feature] = newValue == feature.defaultAccess ? nil : newValue }
    }

    public subscript(flag: ProjectFlag) -> Bool {
        get { flags[flag] ?? flag.defaultValue }
        set { flags[flag] = newValue == flag.defaultValue ? nil : newValue }
    }
}

/// The settings a request changes; nil or absent leaves one as it is.
public struct ProjectSettingsChanges: Hashable, Sendable {
    public var access: [ProjectFeature: FeatureAccess] = [:]
    public var flags: [ProjectFlag: Bool] = [:]
    public var mergeMethod: MergeMethod?
    public var squashOption: SquashOption?
    public var ciConfigPath: String?

    public init() {}

    /// `settings` with these changes made.
    public func applied(to settings: ProjectSettings) -> ProjectSettings {
        var settings = settings
        for (feature, level) in access { settings[feature] = level }
        for (flag, value) in flags { settings[flag] = value }
        if let mergeMethod { settings.mergeMethod = mergeMethod }
        if let squashOption { settings.squashOption = squashOption }
        if let ciConfigPath { settings.ciConfigPath = ciConfigPath }
        return settings
    }
}

/// Who may use a project feature (GitLab's `ProjectFeature` levels, as the API spells them).
public enum FeatureAccess: String, Hashable, Sendable, CaseIterable {
    case disabled
    case `private`
    case enabled
    /// Pages only.
    case `public`
}

/// The features with an `<name>_access_level` in GitLab's project entity, in its order.
public enum ProjectFeature: String, Hashable, Sendable, CaseIterable {
    case issues
    case repository
    case mergeRequests = "merge_requests"
    case forking
    case wiki
    case builds
    case snippets
    case pages
    case analytics
    case containerRegistry = "container_registry"
    case securityAndCompliance = "security_and_compliance"
    case releases
    case environments
    case featureFlags = "feature_flags"
    case infrastructure
    case monitor
    case modelExperiments = "model_experiments"
    case modelRegistry = "model_registry"

    /// The parameter and entity field: `issues_access_level`.
    public var accessLevelKey: String { rawValue + "_access_level" }

    /// The older boolean that stands for the feature (`issues_enabled`, `jobs_enabled`), if any.
    public var enabledKey: String? {
        switch self {
        case .issues, .mergeRequests, .wiki, .snippets, .containerRegistry: return rawValue + "_enabled"
        case .builds: return "jobs_enabled"
        default: return nil
        }
    }

    /// GitLab's default for a new project: Pages `private`, everything else `enabled`.
    public var defaultAccess: FeatureAccess { self == .pages ? .private : .enabled }

    /// The levels the API accepts: `public` for Pages only.
    public var allowedAccess: [FeatureAccess] { self == .pages ? FeatureAccess.allCases : [.disabled, .private, .enabled] }
}

/// The project's boolean settings in GitLab's entity, with its defaults for a new project.
public enum ProjectFlag: String, Hashable, Sendable, CaseIterable {
    case packagesEnabled = "packages_enabled"
    case resolveOutdatedDiffDiscussions = "resolve_outdated_diff_discussions"
    case serviceDeskEnabled = "service_desk_enabled"
    case emailsEnabled = "emails_enabled"
    case sharedRunnersEnabled = "shared_runners_enabled"
    case lfsEnabled = "lfs_enabled"
    case publicJobs = "public_jobs"
    case onlyAllowMergeIfPipelineSucceeds = "only_allow_merge_if_pipeline_succeeds"
    case allowMergeOnSkippedPipeline = "allow_merge_on_skipped_pipeline"
    case requestAccessEnabled = "request_access_enabled"
    case onlyAllowMergeIfAllDiscussionsAreResolved = "only_allow_merge_if_all_discussions_are_resolved"
    case removeSourceBranchAfterMerge = "remove_source_branch_after_merge"
    case printingMergeRequestLinkEnabled = "printing_merge_request_link_enabled"
    case autocloseReferencedIssues = "autoclose_referenced_issues"

    public var defaultValue: Bool {
        switch self {
        case .resolveOutdatedDiffDiscussions, .serviceDeskEnabled, .onlyAllowMergeIfPipelineSucceeds, .allowMergeOnSkippedPipeline,
            .onlyAllowMergeIfAllDiscussionsAreResolved:
            return false
        default: return true
        }
    }
}

/// GitLab's `merge_method`: `merge`, `rebase_merge` (semi-linear), `ff` (fast-forward only).
public enum MergeMethod: String, Hashable, Sendable, CaseIterable {
    case merge
    case rebaseMerge = "rebase_merge"
    case ff
}

/// GitLab's `squash_option`.
public enum SquashOption: String, Hashable, Sendable, CaseIterable {
    case never
    case always
    case defaultOn = "default_on"
    case defaultOff = "default_off"
}
