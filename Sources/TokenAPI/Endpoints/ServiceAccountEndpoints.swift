import HTTPTypes
import JSON
import TokenCore

/// GitLab EE's service accounts: `/service_accounts` for administrators (`ee/lib/api/service_accounts.rb`),
/// `/groups/:id/service_accounts` for the group's Owners (`group_service_accounts.rb`) and
/// `/projects/:id/service_accounts` for the project's Maintainers (`project_service_accounts.rb`),
/// administrators everywhere. A service account is a user (``ServiceAccounts``); an instance one
/// is deleted with `DELETE /users/:id`, its tokens made with `POST /users/:id/personal_access_tokens`.
enum ServiceAccountEndpoints {
    static let routes: [Route] = [
        Route(.post, "service_accounts", createInstance),
        Route(.get, "service_accounts", listInstance),
        Route(.patch, "service_accounts/:user_id", updateInstance),
    ] + ResourceKind.allCases.flatMap { kind in
        let base = kind.pathSegment + "/:id/service_accounts"
        return [
            Route(.post, base) { try create($0, kind) },
            Route(.get, base) { try list($0, kind) },
            Route(.patch, base + "/:user_id") { try update($0, kind) },
            Route(.delete, base + "/:user_id") { try delete($0, kind) },
        ]
    }

    // MARK: Instance (administrators)

    @Sendable static func createInstance(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        var reader = context.reader()
        let profile = readProfile(&reader, email: true)
        try reader.check()
        let (host, random, now) = (context.host, context.dependencies.random, context.now)
        let user = try context.write { state throws -> User in
            do throws(UserDirectory.Failure) {
                return try ServiceAccounts.create(profile, provisionedBy: nil, host: host, random: random, at: now, in: &state)
            } catch { throw refusal(error, prefixed: true) }
        }
        return ServiceAccountEntity.response(.created, user)
    }

    @Sendable static func listInstance(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        return try respondList(context, provisionedBy: nil)
    }

    /// `User.find`: a missing user is ActiveRecord's 404; a user of another type is refused.
    /// Blank values change nothing (`compact_blank`).
    @Sendable static func updateInstance(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.requireAdmin()
        let id = UserID(try context.path.require("user_id", as: Int.self))
        var reader = context.reader()
        var profile = readProfile(&reader, email: true)
        try reader.check()
        for path in [\ServiceAccounts.Profile.name, \.username, \.email] where profile[keyPath: path]?.isEmpty == true {
            profile[keyPath: path] = nil
        }
        let user = try context.write { state throws -> User in
            guard let user = state.user(id) else { throw HTTPError.recordNotFound }
            guard user.isServiceAccount else { throw HTTPError.badRequest("User is not a service account") }
            do throws(UserDirectory.Failure) {
                return try UserDirectory.rename(id, username: profile.username, name: profile.name, email: profile.email, in: &state)
            } catch { throw refusal(error, prefixed: true) }
        }
        return ServiceAccountEntity.response(.ok, user)
    }

    // MARK: Groups and projects

    /// The resource of the path, if the caller may manage its service accounts: 404 when they
    /// cannot see it, 403 when they can but are no Owner (group) or Maintainer (project).
    static func managedResource(_ context: AuthenticatedContext, _ kind: ResourceKind, in state: borrowing StoreState) throws(HTTPError) -> Resource {
        let resource = try context.visibleResource(kind, in: state)
        guard AccessPolicy.canAdminister(resource, by: context.signedInCaller, state: state, now: context.now) else {
            throw HTTPError.forbidden
        }
        return resource
    }

    /// The `:user_id` service account that `resource` provisioned, else `404 User Not Found`.
    static func managedAccount(_ context: AuthenticatedContext, of resource: Resource, in state: borrowing StoreState) throws(HTTPError) -> User {
        let id = try context.path.require("user_id", as: Int.self)
        guard let user = state.user(UserID(id)), user.isServiceAccount, user.provisionedBy == resource else {
            throw HTTPError.notFound("User")
        }
        return user
    }

    static func create(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let profile = readProfile(&reader, email: true)
        try reader.check()
        let (host, random, now) = (context.host, context.dependencies.random, context.now)
        let user = try context.write { state throws -> User in
            let resource = try managedResource(context, kind, in: state)
            do throws(UserDirectory.Failure) {
                return try ServiceAccounts.create(profile, provisionedBy: resource, host: host, random: random, at: now, in: &state)
            } catch { throw refusal(error, prefixed: true) }
        }
        return ServiceAccountEntity.response(.created, user)
    }

    static func list(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        let resource = try context.read { state throws in try managedResource(context, kind, in: state) }
        return try respondList(context, provisionedBy: resource)
    }

    /// A group's accounts take a new name and username; a project's an e-mail address too.
    /// Refusals are `render_api_error!`'s bare sentence.
    static func update(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let profile = readProfile(&reader, email: kind == .project)
        try reader.check()
        let user = try context.write { state throws -> User in
            let resource = try managedResource(context, kind, in: state)
            let user = try managedAccount(context, of: resource, in: state)
            do throws(UserDirectory.Failure) {
                return try UserDirectory.rename(user.id, username: profile.username, name: profile.name, email: profile.email, in: &state)
            } catch { throw refusal(error, prefixed: false) }
        }
        return ServiceAccountEntity.response(.ok, user)
    }

    /// Deletes the account with its tokens and memberships. A group's account that is the sole
    /// Owner of a group is kept (409) unless `hard_delete` is given, as GitLab does.
    static func delete(_ context: AuthenticatedContext, _ kind: ResourceKind) throws -> APIResponse {
        var reader = context.reader()
        let hardDelete = reader.boolean("hard_delete") ?? false
        try reader.check()
        let now = context.now
        try context.write { state throws in
            let resource = try managedResource(context, kind, in: state)
            let user = try managedAccount(context, of: resource, in: state)
            if kind == .group, !hardDelete, ServiceAccounts.isSoleOwner(user.id, in: state) {
                throw HTTPError.message(.conflict, "User cannot be removed while is the sole-owner of a group")
            }
            do throws(UserDirectory.Failure) { try UserDirectory.delete(user.id, at: now, in: &state) } catch { throw refusal(error, prefixed: false) }
        }
        return .noContent
    }

    // MARK: Shared

    static func readProfile(_ reader: inout ParameterReader, email: Bool) -> ServiceAccounts.Profile {
        ServiceAccounts.Profile(
            name: reader.string("name"), username: reader.string("username"), email: email ? reader.string("email") : nil)
    }

    /// `order_by` (`id`, `username`) and `sort` (`desc` unless `asc`), paginated.
    static func respondList(_ context: AuthenticatedContext, provisionedBy resource: Resource?) throws -> APIResponse {
        var reader = context.reader()
        let byUsername = reader.oneOf("order_by", ["id", "username"]) == "username"
        let ascending = reader.oneOf("sort", ["asc", "desc"]) == "asc"
        let pagination = Pagination(&reader)
        try reader.check()
        var users = try context.read { state in ServiceAccounts.list(provisionedBy: resource, in: state) }
        if byUsername { users.sort { ($0.username, $0.id) < ($1.username, $1.id) } }
        if !ascending { users.reverse() }
        return pagination.response(users, context: context) { user, w in ServiceAccountEntity.write(user, into: &w) }
    }

    /// A model error as the service's message: `bad_request!` (`400 Bad request - …`) or
    /// `render_api_error!` (the sentence alone).
    static func refusal(_ failure: UserDirectory.Failure, prefixed: Bool) -> HTTPError {
        let sentence: String
        switch failure {
        case .invalid(let error): sentence = error.sentence
        case .taken(let attribute): sentence = "\(attribute) has already been taken"
        case .notFound: return HTTPError.notFound("User")
        }
        return prefixed ? HTTPError.badRequest(sentence) : HTTPError.message(.badRequest, sentence)
    }
}
