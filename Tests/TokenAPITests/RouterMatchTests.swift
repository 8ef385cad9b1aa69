import HTTPTypes
import Testing
import TokenAPI

/// The router narrows a path's candidates by its length and first segment: it must find what
/// a scan of every route finds, whatever order literal-first and capture-first routes were
/// added in, with the same 405 and 404 answers.
struct RouterMatchTests {
    @Sendable static func ok(_ context: AuthenticatedContext) throws -> APIResponse { .noContent }

    let router: Router = {
        var router = Router()
        router.add(Route(.get, ":kind/self", scopes: .anyScope, RouterMatchTests.ok))
        router.add(Route(.get, "tokens/:id", scopes: .anyScope, RouterMatchTests.ok))
        router.add(Route(.delete, "tokens/self", scopes: .anyScope, RouterMatchTests.ok))
        router.add(Route(.post, ":kind/:id", scopes: .anyScope, RouterMatchTests.ok))
        router.add(Route(.get, "users", scopes: .anyScope, RouterMatchTests.ok))
        return router
    }()

    func template(_ method: HTTPRequest.Method, _ segments: [String]) -> String {
        switch router.match(method: method, segments: segments) {
        case .found(let route, _): return route.template
        case .methodNotAllowed(let allow): return "405 " + allow.map(\.rawValue).joined(separator: ",")
        case .notFound: return "404"
        }
    }

    @Test func literalFirstRoutesAndCaptureFirstRoutesAreBothCandidates() {
        // Both `:kind/self` and `tokens/:id` match; the leftmost literal wins, as before.
        #expect(template(.get, ["tokens", "self"]) == "/tokens/:id")
        #expect(template(.head, ["tokens", "self"]) == "/tokens/:id")
        #expect(template(.delete, ["tokens", "self"]) == "/tokens/self")
        // A capture-first route added after the literal bucket existed is in it too.
        #expect(template(.post, ["tokens", "self"]) == "/:kind/:id")
        // A first segment that no literal names: only the capture-first routes.
        #expect(template(.get, ["users", "self"]) == "/:kind/self")
        #expect(template(.post, ["groups", "7"]) == "/:kind/:id")
    }

    @Test func refusalsAreUnchanged() {
        #expect(template(.put, ["tokens", "self"]) == "405 DELETE,GET,HEAD,POST")
        #expect(template(.get, ["groups", "7"]) == "405 POST")
        #expect(template(.get, ["users"]) == "/users")
        #expect(template(.get, ["groups"]) == "404")
        #expect(template(.get, ["tokens", "self", "x"]) == "404")
        #expect(template(.get, []) == "404")
    }
}
