import HTTPTypes
import JSON
import TokenCore

/// EE's `API::Entities::ServiceAccount`: `UserSafe` (`id`, `username`, `name`) and `email`.
/// Only administrators and the Owners (Maintainers) who manage the account ever receive it.
enum ServiceAccountEntity {
    static func write(_ user: User, into w: inout JSONWriter) {
        w.beginObject()
        w.field("id", user.id.rawValue)
        w.field("username", user.username)
        w.field("name", user.name)
        w.field("email", user.email)
        w.endObject()
    }

    static func response(_ status: HTTPResponse.Status, _ user: User) -> APIResponse {
        var w = JSONWriter()
        write(user, into: &w)
        return .json(status, w)
    }
}
