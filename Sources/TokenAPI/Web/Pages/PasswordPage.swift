import HTTPTypes
import TokenCore

/// `/-/user_settings/password/edit`: the signed-in person changes their own password (current,
/// new, confirmation) through the session service, which checks GitLab's rules and ends every
/// other session of theirs.
enum PasswordPage {
    static let path = "/-/user_settings/password/edit"

    static let routes: [WebRoute] = [
        WebRoute(.get, "-/user_settings/password/edit") { try form($0) },
        WebRoute(.post, "-/user_settings/password/edit") { try change($0) },
    ]

    static func form(_ context: WebContext, banner: HTML? = nil, status: HTTPResponse.Status = .ok) throws -> APIResponse {
        let viewer = try context.person
        let content: HTML = """
            <h1>Password</h1><p class="lead">Change your password. Other browsers signed in as you are signed out.</p>\(banner)
            <section class="card"><h2>Change password</h2><div class="card-body"><form method="post" action="\(path)">\(Layout.csrfField(viewer))
            <label for="user_password">Current password</label><input type="password" id="user_password" name="user[password]" autocomplete="current-password">
            <label for="user_new_password">New password</label><input type="password" id="user_new_password" name="user[new_password]" autocomplete="new-password" required minlength="8" maxlength="128" aria-describedby="password_hint">
            <p class="hint" id="password_hint">At least 8 characters, at most 128.</p>
            <label for="user_password_confirmation">Password confirmation</label><input type="password" id="user_password_confirmation" name="user[password_confirmation]" autocomplete="new-password" required>
            <div class="actions"><button class="primary" type="submit">Save password</button></div></form></div></section>
            """
        return PageResponse.html(status, Layout.page(title: "Password", current: path, viewer: viewer, content: content))
    }

    static func change(_ context: WebContext) throws -> APIResponse {
        let viewer = try context.person
        let new = context.field("user[new_password]") ?? ""
        guard new == context.field("user[password_confirmation]") else {
            return try form(context, banner: Layout.errors(["Password confirmation doesn't match Password"]), status: .unprocessableContent)
        }
        let refusal = try WebSignIn.changePassword(
            viewer, current: context.field("user[password]") ?? "", new: new, request: context.request, dependencies: context.dependencies)
        switch refusal {
        case nil: return try form(context, banner: Layout.alert("success", "Password was successfully updated."))
        case .invalid(let error)?: return try form(context, banner: Layout.errors([error.sentence]), status: .unprocessableContent)
        case .currentPasswordInvalid?:
            return try form(context, banner: Layout.errors(["You must provide a valid current password"]), status: .unprocessableContent)
        }
    }
}
