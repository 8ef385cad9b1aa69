import HTTPTypes
import TokenCore

/// `/admin/users` (administrators only; anyone else signed in gets GitLab's 404): every user,
/// a form that creates one, block or unblock, each through the API's ``UserDirectory`` with the
/// API's rules (an administrator cannot block themself), and set a password
/// (``WebSignIn/setPassword(_:of:by:request:dependencies:)``: GitLab's rules, the user's sessions end).
enum AdminUsersPage {
    static let path = "/admin/users"

    static let routes: [WebRoute] = [
        WebRoute(.get, "admin/users", access: .admin) { try show($0) },
        WebRoute(.post, "admin/users", access: .admin) { try create($0) },
        WebRoute(.post, "admin/users/:username/:action", access: .admin) { try act($0) },
    ]

    static func show(_ context: WebContext, banner: HTML? = nil, status: HTTPResponse.Status = .ok) throws -> APIResponse {
        let viewer = try context.person
        let users = try context.read { state in state.users.values.filter { !$0.isBot }.sorted { $0.id.rawValue < $1.id.rawValue } }
        let rows = users.map { user -> HTML in
            let blocked = user.state == .blocked
            let state: HTML = blocked ? "<span class=\"badge danger\">Blocked</span>" : "<span class=\"badge ok\">Active</span>"
            let toggle: HTML? = user.id == viewer.user.id ? nil : """
                <form class="inline" method="post" action="\(path)/\(user.username)/\(blocked ? "unblock" : "block")">\(Layout.csrfField(viewer))\
                <button class="link" type="submit" aria-label="\(blocked ? "Unblock" : "Block") \(user.username)">\(blocked ? "Unblock" : "Block")</button></form> · 
                """
            return """
                <tr><td>\(user.name)<br><span class="hint">@\(user.username)</span></td><td>\(user.email)</td><td>\(user.isAdmin ? "Administrator" : "Regular")</td>\
                <td>\(state)</td><td>\(user.createdAt.date.iso8601)</td>\
                <td>\(toggle)<a href="\(path)/\(user.username)/impersonation_tokens">Impersonation tokens</a>\
                <form method="post" action="\(path)/\(user.username)/password">\(Layout.csrfField(viewer))\
                <label for="password_\(user.id.rawValue)">New password for @\(user.username)</label>\
                <input type="password" id="password_\(user.id.rawValue)" name="password" autocomplete="new-password" minlength="8" maxlength="128" required>\
                <button type="submit">Set password</button></form></td></tr>
                """
        }
        let content: HTML = """
            <h1>Users</h1>\(banner)
            <section class="card"><h2>Users (\(users.count))</h2><div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Email</th>\
            <th scope="col">Access</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead><tbody>\(rows)</tbody></table></div></section>
            <section class="card"><h2>New user</h2><div class="card-body"><form method="post" action="\(path)">\(Layout.csrfField(viewer))
            <label for="user_name">Name</label><input type="text" id="user_name" name="name" required maxlength="255">
            <label for="user_username">Username</label><input type="text" id="user_username" name="username" required maxlength="255">
            <label for="user_email">Email</label><input type="email" id="user_email" name="email" required maxlength="255">
            <div class="check"><input type="checkbox" id="user_admin" name="admin" value="true"><label for="user_admin">Administrator</label></div>
            <div class="actions"><button class="primary" type="submit">Create user</button></div></form></div></section>
            """
        return PageResponse.html(status, Layout.page(title: "Users", current: path, viewer: viewer, content: content))
    }

    static func create(_ context: WebContext) throws -> APIResponse {
        let new = UserDirectory.NewUser(
            username: context.field("username") ?? "", name: context.field("name") ?? "", email: context.field("email") ?? "",
            isAdmin: context.field("admin") == "true")
        let now = context.now
        do {
            let user = try context.write { state in try UserDirectory.create(new, at: now, in: &state) }
            return try show(context, banner: Layout.alert("success", "Created the user @\(user.username)."))
        } catch let failure as UserDirectory.Failure {
            return try show(context, banner: Layout.errors([message(failure)]), status: .unprocessableContent)
        }
    }

    static func message(_ failure: UserDirectory.Failure) -> String {
        switch failure {
        case .invalid(let error): error.sentence
        case .taken(let what): "\(what) has already been taken"
        case .notFound: "User not found"
        }
    }

    /// Block or unblock `:username`, found and changed in one write.
    static func act(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        let action = try context.path.require("action")
        let username = try context.path.require("username")
        if action == "password" { return try setPassword(context, of: username, by: viewer) }
        guard action == "block" || action == "unblock" else { throw HTTPError.notFound }
        let name = try context.write { state throws -> String in
            guard let user = state.user(username: username), !user.isBot else { throw HTTPError.notFound }
            if user.id == viewer.user.id { throw HTTPError.forbidden("You cannot block yourself") }
            _ = try UserDirectory.setBlocked(action == "block", user.id, in: &state)
            return user.username
        }
        return try show(context, banner: Layout.alert("success", "\(action == "block" ? "Blocked" : "Unblocked") @\(name)."))
    }

    /// Sets `username`'s password: the session service applies GitLab's rules and ends that
    /// user's sessions.
    static func setPassword(_ context: WebContext, of username: String, by viewer: SignedInUser) throws -> APIResponse {
        let target = try context.read { state throws(HTTPError) -> User in
            guard let user = state.user(username: username), !user.isBot else { throw HTTPError.notFound }
            return user
        }
        if let broken = try WebSignIn.setPassword(
            context.field("password") ?? "", of: target.id, by: viewer, request: context.request, dependencies: context.dependencies)
        {
            return try show(context, banner: Layout.errors([broken.sentence]), status: .unprocessableContent)
        }
        return try show(context, banner: Layout.alert("success", "Set a new password for @\(target.username); their sessions have ended."))
    }
}
