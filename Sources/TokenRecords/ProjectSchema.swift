package import TokenCore

extension RecordSchema where Record == Project {
    /// A project's fields: the JSON store's lines, the change log, exports, and `tokend.projects`.
    /// Keys sorted; the namespace is two fields, its id and its kind (`"group"`, `"user"`). The
    /// settings are one field each (`issues_access_level`, `lfs_enabled`, `merge_method`, …);
    /// a store written before them loads GitLab's defaults (``ProjectSettings``).
    package static let project = RecordSchema(
        kind: "project", table: "projects",
        prototype: Project(id: ProjectID(0), name: "", path: "", namespace: .user(UserID(0)), createdAt: Timestamp(millisecondsSinceEpoch: 0)),
        fields: ([
            .milliseconds("created_at", required: true, get: { $0.createdAt }, set: { $0.createdAt = $1 }),
            .optionalText("description", get: { $0.description }, set: { $0.description = $1 }),
            .integer("id", required: true, get: { $0.id.rawValue }, set: { $0.id = ProjectID($1) }),
            .text("name", required: true, get: { $0.name }, set: { $0.name = $1 }),
            .integer("namespace_id", required: true, get: { $0.namespace.rawID }, set: { $0.namespace = $0.namespace.with(rawID: $1) }),
            RecordField(
                "namespace_kind", kind: .text, required: true, get: { .text($0.namespace.kind) },
                set: { project, value in
                    guard case .text(let kind) = value, let namespace = Namespace(kind: kind, rawID: project.namespace.rawID) else { return false }
                    project.namespace = namespace
                    return true
                }),
            .text("path", required: true, get: { $0.path }, set: { $0.path = $1 }),
            .textCode("visibility", get: { $0.visibility }, set: { $0.visibility = $1 }),
            .optionalText("ci_config_path", get: { $0.settings.ciConfigPath }, set: { $0.settings.ciConfigPath = $1 }),
            .textCode("merge_method", get: { $0.settings.mergeMethod }, set: { $0.settings.mergeMethod = $1 }),
            .textCode("squash_option", get: { $0.settings.squashOption }, set: { $0.settings.squashOption = $1 }),
        ]
            + ProjectFeature.allCases.map { feature in
                .textCode(feature.accessLevelKey, get: { $0.settings[feature] }, set: { $0.settings[feature] = $1 })
            }
            + ProjectFlag.allCases.map { flag in .boolean(flag.rawValue, get: { $0.settings[flag] }, set: { $0.settings[flag] = $1 }) })
            .sorted { $0.key < $1.key })
}
