package import JSON
package import TokenCore

/// A membership's key, the record of its deletion in the journal (the keys of
/// ``RecordSchema/membership`` that name it: `resource_id`, `resource_type`, `user_id`).
extension RecordCoding {
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
        guard let resource = v["resource_type"]?.stringValue.flatMap({ Resource(kind: $0, rawID: resourceID) }) else {
            throw DecodeError(description: "membership record has no resource_type")
        }
        return Membership.Key(resource, UserID(userID))
    }
}
