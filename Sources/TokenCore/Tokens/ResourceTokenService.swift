/// Project and group access tokens (GitLab's ResourceAccessTokens services, without I/O): each
/// token gets its own bot user, a member of the resource at the token's access level.
public struct ResourceTokenService: Sendable {
    public var issuer: TokenIssuer
    public var random: RandomSource
    /// The host part of bot e-mail addresses: `<username>@noreply.<host>`.
    public var host: String

    public init(issuer: TokenIssuer, random: RandomSource, host: String) {
        self.issuer = issuer
        self.random = random
        self.host = host
    }

    public enum Failure: Error, Hashable, Sendable {
        /// `User does not have permission to create project access token`
        case notPermittedToCreate(Resource)
        /// `Access level of the token contains permissions not held by the creating user`
        case levelAboveCaller
        /// `Not eligible to rotate token with access level higher than the user`
        case rotationAboveCaller
        /// `<caller name> cannot delete <bot name>`
        case cannotDelete(caller: String, bot: String)
        case token(TokenError)

        /// The sentence GitLab puts after "400 Bad request - ".
        public var reason: String {
            switch self {
            case .notPermittedToCreate(let resource): return "User does not have permission to create \(resource.kind) access token"
            case .levelAboveCaller: return "Access level of the token contains permissions not held by the creating user"
            case .rotationAboveCaller: return "Not eligible to rotate token with access level higher than the user"
            case .cannotDelete(let caller, let bot): return "\(caller) cannot delete \(bot)"
            case .token(.userNotFound): return "Failed to find bot user"
            case .token(let error): return error.reason
            }
        }
    }

    // MARK: Queries

    /// The resource's own bots that are still its members, by ascending user id (GitLab's
    /// `resource.bots`). Another resource's bot is never one of them, even if a store holds a
    /// membership that makes it look like one.
    public static func bots(of resource: Resource, state: borrowing StoreState) -> [UserID] {
        state.resources.members(of: resource).compactMap { member in
            state.user(member.userID)?.botResource == resource ? member.userID : nil
        }
    }

    /// Every token of the resource's bots, by ascending id (revoked ones too).
    public static func tokens(of resource: Resource, state: borrowing StoreState) -> [AccessToken] {
        var result: [AccessToken] = []
        for bot in bots(of: resource, state: state) { result += state.tokens(ownedBy: bot) }
        return result.sorted { $0.id < $1.id }
    }

    /// Whether `token` belongs to one of the resource's own bots (GitLab's `find_token`, which
    /// searches `resource.bots`): never by "is some member of it".
    public static func belongs(_ token: AccessToken, to resource: Resource, state: borrowing StoreState) -> Bool {
        guard state.user(token.userID)?.botResource == resource else { return false }
        return state.resources.membership(resource, token.userID) != nil
    }

    /// The access level the token's bot holds in the resource (shown as `access_level`).
    public static func accessLevel(of token: AccessToken, in resource: Resource, state: borrowing StoreState) -> AccessLevel? {
        state.resources.membership(resource, token.userID)?.accessLevel
    }

    // MARK: Operations

    /// Creates the bot, its membership and its token; the caller's transaction makes the three
    /// one change, so a failure leaves nothing behind.
    public func create(
        _ request: TokenRequest, accessLevel: AccessLevel, in resource: Resource, by caller: Caller, state: inout StoreState
    ) throws(Failure) -> IssuedToken {
        let now = issuer.clock.now()
        guard AccessPolicy.canManageTokens(resource, by: caller, state: state, now: now) else {
            throw .notPermittedToCreate(resource)
        }
        if !caller.isAdmin, accessLevel > (AccessPolicy.accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess) {
            throw .levelAboveCaller
        }
        var username: String
        repeat {
            let suffix = Hex.encode(random.bytes(16))
            username = "\(resource.kind)_\(resource.rawID)_bot_\(suffix)"
        } while state.user(username: username) != nil
        let bot = User(
            id: state.allocateUserID(), username: username, name: request.name.isEmpty ? "\(resource.kind) bot" : request.name,
            email: "\(username)@noreply.\(host)", botResource: resource, createdAt: now)
        state.put(bot)
        state.put(Membership(resource: resource, userID: bot.id, accessLevel: accessLevel, createdAt: now, createdBy: caller.user.id))
        do {
            return try issuer.create(request, for: bot, in: &state)
        } catch {
            throw .token(error)
        }
    }

    /// Rotates a token of the resource after the access-level rule; the caller has already
    /// checked that the caller may manage tokens and that the token belongs to the resource.
    public func rotate(
        _ token: AccessToken, in resource: Resource, by caller: Caller, expiresAt: CivilDate?, state: inout StoreState
    ) throws(Failure) -> IssuedToken {
        let now = issuer.clock.now()
        if !caller.isAdmin, caller.user.id != token.userID {
            let mine = AccessPolicy.accessLevel(of: caller.user.id, in: resource, state: state, now: now) ?? .noAccess
            if mine < (Self.accessLevel(of: token, in: resource, state: state) ?? .noAccess) { throw .rotationAboveCaller }
        }
        do {
            return try issuer.rotate(token.id, expiresAt: expiresAt, in: &state)
        } catch {
            throw .token(error)
        }
    }

    /// Revokes the token and keeps its bot and membership (GitLab 18), so it stays listed.
    public func revoke(_ token: AccessToken, in resource: Resource, by caller: Caller, state: inout StoreState) throws(Failure) {
        let now = issuer.clock.now()
        let botName = state.user(token.userID)?.name ?? ""
        guard AccessPolicy.canAdminister(resource, by: caller, state: state, now: now) else {
            throw .cannotDelete(caller: caller.user.name, bot: botName)
        }
        guard state.resources.membership(resource, token.userID) != nil else { throw .token(.userNotFound) }
        do {
            try issuer.revoke(token.id, in: &state)
        } catch {
            throw .token(error)
        }
    }
}
