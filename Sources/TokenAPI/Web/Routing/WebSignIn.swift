import TokenCore

/// The seam to the sign-in service (sessions, passwords, throttling): who is signed in on a
/// request. Until that service is merged, nobody is.
enum WebSignIn {
    static func viewer(for request: APIRequest, dependencies: APIDependencies, now: Timestamp) -> WebViewer? { nil }
}
