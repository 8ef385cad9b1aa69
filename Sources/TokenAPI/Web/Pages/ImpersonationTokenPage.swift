enum ImpersonationTokenPage {
    static let routes: [WebRoute] = []
}
