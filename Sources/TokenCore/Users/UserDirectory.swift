/// Creating, blocking and deleting users inside a store transaction, with GitLab's rules;
/// shared by the Users API and the offline CLI.
public enum UserDirectory {
    public enum Failure: Error, Hashable, Sendable {
        /// A model error on one attribute (rendered as `{"message":{"field":["msg"]}}`).
        case invalid(FieldError)
        /// Username or email taken (GitLab answers 409 "<Attribute> has already been taken").
        case taken(String)
        case notFound
    }

    public struct NewUser: Hashable, Sendable {
        public var username: String
        public var name: String
        public var email: String
        public var isAdmin: Bool
        /// A service account (``User/isServiceAccount``), provisioned by this group or project if any.
        public var isServiceAccount: Bool
        public var provisionedBy: Resource?
        /// The password's hash (``PasswordHasher``), hashed before the transaction: nil leaves
        /// the user without one (GitLab's `reset_password`/`force_random_password`).
        public var passwordHash: String?

        public init(
            username: String, name: String, email: String, isAdmin: Bool = false, isServiceAccount: Bool = false,
            provisionedBy: Resource? = nil, passwordHash: String? = nil
        ) {
            self.passwordHash = passwordHash
            self.username = username
            self.name = name
            self.email = email
            self.isAdmin = isAdmin
            self.isServiceAccount = isServiceAccount
            self.provisionedBy = provisionedBy
        }
    }

    public static func create(_ new: NewUser, at now: Timestamp, in state: inout StoreState) throws(Failure) -> User {
        try check(username: new.username, name: new.name, email: new.email, of: nil, in: state)
        var user = User(
            id: state.allocateUserID(), username: new.username, name: new.name, email: new.email, isAdmin: new.isAdmin,
            isServiceAccount: new.isServiceAccount, provisionedBy: new.provisionedBy, createdAt: now)
        user.passwordHash = new.passwordHash
        state.put(user)
        return user
    }

    /// Changes a user's username, name and e-mail address (nil: unchanged) with the rules of
    /// ``create(_:at:in:)``; a value equal to the current one is no conflict.
    public static func rename(
        _ id: UserID, username: String?, name: String?, email: String?, in state: inout StoreState
    ) throws(Failure) -> User {
        guard var user = state.user(id) else { throw .notFound }
        try check(username: username ?? user.username, name: name ?? user.name, email: email ?? user.email, of: user, in: state)
        user.username = username ?? user.username
        user.name = name ?? user.name
        user.email = email ?? user.email
        state.put(user)
        return user
    }

    /// GitLab's model validations of a user's username, name and e-mail address, in its order;
    /// `existing` is the user being changed (its own values are no conflict).
    private static func check(username: String, name: String, email: String, of existing: User?, in state: borrowing StoreState) throws(Failure) {
        if let error = FieldError.length("username", username, maximum: FieldLimits.username)
            ?? FieldError.length("name", name, maximum: FieldLimits.userName)
            ?? FieldError.length("email", email, maximum: FieldLimits.email)
        {
            throw .invalid(error)
        }
        guard UserRules.isValidUsername(username) else {
            throw .invalid(FieldError("username", "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'."))
        }
        guard !name.allSatisfy(\.isWhitespace) else { throw .invalid(FieldError("name", "can't be blank")) }
        guard email.contains("@") else { throw .invalid(FieldError("email", "is invalid")) }
        // Users and top-level groups share one namespace of paths, as in GitLab.
        if let holder = state.user(username: username), holder.id != existing?.id { throw .taken("Username") }
        if username != existing?.username, state.resources.resource(atPath: username) != nil { throw .taken("Username") }
        let lowered = email.lowercased()
        if state.users.values.contains(where: { $0.email.lowercased() == lowered && $0.id != existing?.id }) { throw .taken("Email") }
    }

    /// Blocks or unblocks; a blocked user's tokens answer 403 until unblocked.
    public static func setBlocked(_ blocked: Bool, _ id: UserID, in state: inout StoreState) throws(Failure) -> User {
        guard var user = state.user(id) else { throw .notFound }
        let wanted: User.State = blocked ? .blocked : .active
        if user.state != wanted {
            user.state = wanted
            state.put(user)
        }
        return user
    }

    /// Sets a user's password (its hash, made before the transaction by ``PasswordHasher``) and
    /// ends every session of theirs but `kept` (the session that changed it; nil ends them all):
    /// GitLab's `user_password_updated`, recorded from the change. A lock from failed sign-ins
    /// lifts with it.
    @discardableResult
    public static func setPassword(hash: String, for id: UserID, keeping kept: TokenDigest? = nil, in state: inout StoreState) throws(Failure) -> User {
        guard var user = state.user(id) else { throw .notFound }
        user.passwordHash = hash
        user = AccountLock.succeeded(user)
        state.put(user)
        state.endWebSessions(of: id, except: kept)
        return user
    }

    /// Deletes a user; their tokens are revoked first so they can never authenticate again,
    /// and their memberships and personal projects (with those projects' bots) go with them.
    public static func delete(_ id: UserID, at now: Timestamp, in state: inout StoreState) throws(Failure) {
        guard state.user(id) != nil else { throw .notFound }
        var cascade = ResourceRemoval.Cascade(state: state)
        cascade.removeUser(id, at: now, in: &state)
    }

    /// A user by numeric id or username.
    public static func find(_ reference: String, in state: borrowing StoreState) -> User? {
        if let id = Int(reference), let user = state.user(UserID(id)) { return user }
        return state.user(username: reference)
    }
}
