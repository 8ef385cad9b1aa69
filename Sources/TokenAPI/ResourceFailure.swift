import TokenCore

extension ResourceDirectory.Failure {
    /// GitLab's answer to each refusal of the projects, groups and members services.
    var httpError: HTTPError {
        switch self {
        case .invalid(let errors): return .validation(errors)
        case .forbidden: return .forbidden
        case .notFound(let what): return .notFound(what)
        case .memberExists: return .message(409, "Member already exists")
        case .memberNotFound: return .message(404, "404 Not found")
        }
    }
}

extension RequestContext {
    /// Runs a directory operation in one transaction; its refusals become GitLab's answers and
    /// any ``HTTPError`` it throws passes through.
    func directoryWrite<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        try repository.write { state throws -> T in
            do {
                return try body(&state)
            } catch let failure as ResourceDirectory.Failure {
                throw failure.httpError
            }
        }
    }

    /// `visibility` as GitLab accepts it.
    static let visibilityNames = Visibility.allCases.map(\.rawValue)
}
