import JSON
import TokenCore

extension ResourceEntity {
    /// The settings of GitLab's `Project` entity (``ProjectSettings``), in its order: the older
    /// `<feature>_enabled` booleans (true unless the feature is disabled), each
    /// `<feature>_access_level`, then the flags and merge options.
    func writeSettings(of project: Project, into w: inout JSONWriter) {
        let settings = project.settings
        w.field("packages_enabled", settings[.packagesEnabled])
        w.field("resolve_outdated_diff_discussions", settings[.resolveOutdatedDiffDiscussions])
        for feature in ProjectFeature.allCases {
            if let key = feature.enabledKey { w.field(key, settings[feature] != .disabled) }
        }
        w.field("service_desk_enabled", settings[.serviceDeskEnabled])
        w.field("service_desk_address", nil as String?)
        for feature in ProjectFeature.allCases { w.field(feature.accessLevelKey, settings[feature].rawValue) }
        w.field("emails_disabled", !settings[.emailsEnabled])
        w.field("emails_enabled", settings[.emailsEnabled])
        w.field("shared_runners_enabled", settings[.sharedRunnersEnabled])
        w.field("lfs_enabled", settings[.lfsEnabled])
        w.field("public_jobs", settings[.publicJobs])
        w.field("ci_config_path", settings.ciConfigPath)
        w.field("only_allow_merge_if_pipeline_succeeds", settings[.onlyAllowMergeIfPipelineSucceeds])
        w.field("allow_merge_on_skipped_pipeline", settings[.allowMergeOnSkippedPipeline])
        w.field("request_access_enabled", settings[.requestAccessEnabled])
        w.field("only_allow_merge_if_all_discussions_are_resolved", settings[.onlyAllowMergeIfAllDiscussionsAreResolved])
        w.field("remove_source_branch_after_merge", settings[.removeSourceBranchAfterMerge])
        w.field("printing_merge_request_link_enabled", settings[.printingMergeRequestLinkEnabled])
        w.field("merge_method", settings.mergeMethod.rawValue)
        w.field("squash_option", settings.squashOption.rawValue)
        w.field("autoclose_referenced_issues", settings[.autocloseReferencedIssues])
    }
}
