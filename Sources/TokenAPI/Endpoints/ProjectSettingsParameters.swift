import TokenCore

/// The project settings that `POST /projects` and `PUT /projects/:id` accept (``ProjectSettings``),
/// with Grape's 400 for a value outside a setting's list. A feature's `<name>_access_level` wins
/// over its older `<name>_enabled` boolean when a request sends both, as in GitLab.
enum ProjectSettingsParameters {
    /// GitLab's bound on `ci_config_path`.
    static let maximumCIConfigPathLength = 255

    /// Every parameter name ``read(_:)`` reads.
    static let names: [String] =
        ProjectFeature.allCases.flatMap { [$0.accessLevelKey] + ($0.enabledKey.map { [$0] } ?? []) }
        + ProjectFlag.allCases.map(\.rawValue) + ["merge_method", "squash_option", "ci_config_path"]

    static func read(_ reader: inout ParameterReader) -> ProjectSettingsChanges {
        var changes = ProjectSettingsChanges()
        for feature in ProjectFeature.allCases {
            if let key = feature.enabledKey, let enabled = reader.boolean(key) { changes.access[feature] = enabled ? .enabled : .disabled }
            if let level = reader.oneOf(feature.accessLevelKey, feature.allowedAccess.map(\.rawValue)).flatMap(FeatureAccess.init(rawValue:)) {
                changes.access[feature] = level
            }
        }
        for flag in ProjectFlag.allCases { changes.flags[flag] = reader.boolean(flag.rawValue) }
        changes.mergeMethod = reader.oneOf("merge_method", MergeMethod.allCases.map(\.rawValue)).flatMap(MergeMethod.init(rawValue:))
        changes.squashOption = reader.oneOf("squash_option", SquashOption.allCases.map(\.rawValue)).flatMap(SquashOption.init(rawValue:))
        changes.ciConfigPath = reader.string("ci_config_path", maxLength: maximumCIConfigPathLength)
        return changes
    }
}
