enum PasswordPage {
    static let routes: [WebRoute] = []
}
