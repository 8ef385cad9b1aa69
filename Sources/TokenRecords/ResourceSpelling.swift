import TokenCore

/// A resource or namespace from its two stored halves, an id and a kind (`"group"`,
/// `"project"`, `"user"`): records keep them as two fields, id first (sorted keys), so a
/// schema sets the id, then the kind keeping it.
extension Resource {
    init?(kind: String, rawID: Int) {
        switch kind {
        case "group": self = .group(GroupID(rawID))
        case "project": self = .project(ProjectID(rawID))
        default: return nil
        }
    }

    /// The same kind with another id.
    func with(rawID: Int) -> Resource {
        switch self {
        case .group: return .group(GroupID(rawID))
        case .project: return .project(ProjectID(rawID))
        }
    }
}

extension Namespace {
    var kind: String {
        switch self {
        case .group: return "group"
        case .user: return "user"
        }
    }

    var rawID: Int {
        switch self {
        case .group(let id): return id.rawValue
        case .user(let id): return id.rawValue
        }
    }

    init?(kind: String, rawID: Int) {
        switch kind {
        case "group": self = .group(GroupID(rawID))
        case "user": self = .user(UserID(rawID))
        default: return nil
        }
    }

    func with(rawID: Int) -> Namespace {
        switch self {
        case .group: return .group(GroupID(rawID))
        case .user: return .user(UserID(rawID))
        }
    }
}
