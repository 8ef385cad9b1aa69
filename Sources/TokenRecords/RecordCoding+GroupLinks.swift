import JSON
import TokenCore

/// A group's shares, inside its record: `"shared_with":[{"access_level":30,"expires_at":null,
/// "group_id":4}]`. Older releases ignore the field they do not know, so they still read the
/// store; they just grant nothing through shares.
extension RecordCoding {
    package static func write(_ link: GroupLink, into w: inout JSONWriter) {
        w.beginObject()
        w.field("access_level", link.accessLevel.rawValue)
        w.field("expires_at", link.expiresAt?.iso8601)
        w.field("group_id", link.groupID.rawValue)
        w.endObject()
    }

    package static func sharedWith(_ group: JSONValue) throws(DecodeError) -> [GroupLink] {
        guard let items = group["shared_with"]?.arrayValue else { return [] }
        var links: [GroupLink] = []
        links.reserveCapacity(items.count)
        for item in items {
            guard let id = item["group_id"]?.intValue, let level = item["access_level"]?.intValue.flatMap(AccessLevel.init(rawValue:)) else {
                throw DecodeError(description: "group share lacks group_id or access_level")
            }
            links.append(GroupLink(groupID: GroupID(id), accessLevel: level, expiresAt: try expiryDate(item)))
        }
        return links
    }
}
