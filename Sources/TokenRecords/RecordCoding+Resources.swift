import JSON
import TokenCore

/// The on-disk JSON of groups, projects and memberships (same conventions as users and tokens:
/// sorted keys, integer-millisecond times, `YYYY-MM-DD` dates).
extension RecordCoding {
    package static func write(_ group: Group, into w: inout JSONWriter) {
        w.beginObject()
        w.key("created_at")
        w.int64(group.createdAt.millisecondsSinceEpoch)
        w.field("description", group.description)
        w.field("id", group.id.rawValue)
        w.field("name", group.name)
        w.field("parent_id", group.parentID?.rawValue)
        w.field("path", group.path)
        if !group.sharedWith.isEmpty {
            // Only when shared: a group that never was keeps the bytes older releases wrote.
            w.key("shared_with")
            w.beginArray()
            for link in group.sharedWith { write(link, into: &w) }
            w.endArray()
        }
        w.field("visibility", group.visibility.rawValue)
        w.endObject()
    }

    package static func decodeGroup(_ v: JSONValue) throws(DecodeError) -> Group {
        guard let id = v["id"]?.intValue, let name = v["name"]?.stringValue, let path = v["path"]?.stringValue,
            let created = v["created_at"]?.int64Value
        else { throw DecodeError(description: "group record lacks id, name, path or created_at") }
        return Group(
            id: GroupID(id), name: name, path: path, description: v["description"]?.stringValue ?? "",
            parentID: v["parent_id"]?.intValue.map { GroupID($0) }, visibility: try visibility(v),
            createdAt: Timestamp(millisecondsSinceEpoch: created), sharedWith: try sharedWith(v))
    }

    package static func write(_ project: Project, into w: inout JSONWriter) {
        w.beginObject()
        w.key("created_at")
        w.int64(project.createdAt.millisecondsSinceEpoch)
        w.field("description", project.description)
        w.field("id", project.id.rawValue)
        w.field("name", project.name)
        switch project.namespace {
        case .group(let id):
            w.field("namespace_id", id.rawValue)
            w.field("namespace_kind", "group")
        case .user(let id):
            w.field("namespace_id", id.rawValue)
            w.field("namespace_kind", "user")
        }
        w.field("path", project.path)
        w.field("visibility", project.visibility.rawValue)
        w.endObject()
    }

    package static func decodeProject(_ v: JSONValue) throws(DecodeError) -> Project {
        guard let id = v["id"]?.intValue, let name = v["name"]?.stringValue, let path = v["path"]?.stringValue,
            let created = v["created_at"]?.int64Value, let namespaceID = v["namespace_id"]?.intValue
        else { throw DecodeError(description: "project record lacks id, name, path, namespace_id or created_at") }
        let namespace: Namespace
        switch v["namespace_kind"]?.stringValue {
        case "group": namespace = .group(GroupID(namespaceID))
        case "user": namespace = .user(UserID(namespaceID))
        default: throw DecodeError(description: "project record has no namespace_kind")
        }
        return Project(
            id: ProjectID(id), name: name, path: path, description: v["description"]?.stringValue, namespace: namespace,
            visibility: try visibility(v), createdAt: Timestamp(millisecondsSinceEpoch: created))
    }

    package static func write(_ membership: Membership, into w: inout JSONWriter) {
        w.beginObject()
        w.field("access_level", membership.accessLevel.rawValue)
        w.key("created_at")
        w.int64(membership.createdAt.millisecondsSinceEpoch)
        w.field("created_by", membership.createdBy?.rawValue)
        w.field("expires_at", membership.expiresAt?.iso8601)
        w.field("resource_id", membership.resource.rawID)
        w.field("resource_type", membership.resource.kind)
        w.field("user_id", membership.userID.rawValue)
        w.endObject()
    }

    package static func decodeMembership(_ v: JSONValue) throws(DecodeError) -> Membership {
        let key = try decodeMembershipKey(v)
        guard let level = v["access_level"]?.intValue.flatMap(AccessLevel.init(rawValue:)), let created = v["created_at"]?.int64Value else {
            throw DecodeError(description: "membership record lacks access_level or created_at")
        }
        let expiresAt = try expiryDate(v)
        return Membership(
            resource: key.resource, userID: key.userID, accessLevel: level, expiresAt: expiresAt,
            createdAt: Timestamp(millisecondsSinceEpoch: created), createdBy: v["created_by"]?.intValue.map { UserID($0) })
    }

    package static func write(_ key: Membership.Key, into w: inout JSONWriter) {
        w.beginObject()
        w.field("resource_id", key.resource.rawID)
        w.field("resource_type", key.resource.kind)
        w.field("user_id", key.userID.rawValue)
        w.endObject()
    }

    package static func decodeMembershipKey(_ v: JSONValue) throws(DecodeError) -> Membership.Key {
        guard let resourceID = v["resource_id"]?.intValue, let userID = v["user_id"]?.intValue else {
            throw DecodeError(description: "membership record lacks resource_id or user_id")
        }
        let resource: Resource
        switch v["resource_type"]?.stringValue {
        case "group": resource = .group(GroupID(resourceID))
        case "project": resource = .project(ProjectID(resourceID))
        default: throw DecodeError(description: "membership record has no resource_type")
        }
        return Membership.Key(resource, UserID(userID))
    }

    private static func visibility(_ v: JSONValue) throws(DecodeError) -> Visibility {
        guard let text = v["visibility"]?.stringValue else { return .private }
        guard let visibility = Visibility(rawValue: text) else { throw DecodeError(description: "bad visibility \(text)") }
        return visibility
    }
}
