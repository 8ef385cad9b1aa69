enum CredentialsPage {
    static let routes: [WebRoute] = []
}
