import HTTPTypes
import JSON
import Testing
import TokenAPI
import TokendTesting

/// The OpenAPI document served at `/openapi.json` and the router cannot drift apart: every route
/// is documented with its method, every documented operation is a route, path parameters are
/// declared, every `$ref` resolves, only unauthenticated routes say `security: []`, and routes
/// that also serve anonymous callers list `{}` among their security requirements.
struct OpenAPIDocumentTests {
    let client = TestClient()

    func document() throws -> JSONValue {
        let response = client.request("GET", "/openapi.json")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        return try #require(response.json)
    }

    @Test func isServedUnauthenticatedAsOpenAPI303() throws {
        let document = try document()
        #expect(document["openapi"]?.stringValue == "3.0.3")
        #expect(document["servers"]?.arrayValue?.first?["url"]?.stringValue == "/api/v4")
        let head = client.request("HEAD", "/openapi.json")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }

    @Test func documentsExactlyTheRoutesOfTheDefaultRouter() throws {
        let problems = OpenAPIConsistency.problems(document: try document(), router: Application.defaultRouter)
        #expect(problems == [])
    }

    @Test func everyReferenceResolves() throws {
        let document = try document()
        #expect(OpenAPIConsistency.unresolvedReferences(in: document) == [])
    }

    // The checks can fail: each kind of drift is reported.

    @Test func reportsARouteMissingFromTheDocument() throws {
        var router = Application.defaultRouter
        router.add(Route(.post, "personal_access_tokens/:id/extend") { _ in .noContent })
        #expect(
            OpenAPIConsistency.problems(document: try document(), router: router)
                == ["POST /personal_access_tokens/{id}/extend is a route but not in the document"])
    }

    @Test func reportsADocumentedOperationThatIsNoRoute() throws {
        let router = Router(Application.defaultRouter.routes.filter { !($0.method == .delete && $0.template == "/users/:id") })
        #expect(
            OpenAPIConsistency.problems(document: try document(), router: router)
                == ["DELETE /users/{id} is in the document but not a route"])
    }

    @Test func reportsAnUndeclaredPathParameterAndWrongSecurity() throws {
        guard case .object(var root) = try document(), case .object(var paths) = root["paths"],
            case .object(var item) = paths["/users/{id}"], case .object(var get) = item["get"]
        else { Issue.record("no GET /users/{id}"); return }
        get["parameters"] = .array([])
        get["security"] = .array([])
        item["get"] = .object(get)
        paths["/users/{id}"] = .object(item)
        root["paths"] = .object(paths)
        #expect(
            OpenAPIConsistency.problems(document: .object(root), router: Application.defaultRouter) == [
                "GET /users/{id} does not declare path parameter id",
                "GET /users/{id} says security: [] but the route authenticates",
            ])
    }

    @Test func reportsADanglingReference() throws {
        let document: JSONValue = .object([
            "components": .object(["schemas": .object(["A": .object(["type": .string("string")])])]),
            "paths": .object(["/x": .object(["$ref": .string("#/components/schemas/B")])]),
            "other": .object(["$ref": .string("#/components/schemas/A")]),
        ])
        #expect(OpenAPIConsistency.unresolvedReferences(in: document) == ["#/components/schemas/B"])
    }
}

/// Compares an OpenAPI document with a router.
enum OpenAPIConsistency {
    static let methods = ["get", "put", "post", "delete", "patch", "options", "head", "trace"]

    /// `/users/:user_id/impersonation_tokens` → `/users/{user_id}/impersonation_tokens`.
    static func documentPath(_ route: Route) -> String {
        "/" + route.template.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    /// Every disagreement, in a stable order; empty when the two agree.
    static func problems(document: JSONValue, router: Router) -> [String] {
        let paths = document["paths"]?.objectValue ?? [:]
        var problems: [String] = []
        var routes: [String: Route] = [:]
        for route in router.routes where route.method != .head {
            let path = documentPath(route)
            routes["\(route.method) \(path)"] = route
            if paths[path]?[route.method.rawValue.lowercased()] == nil {
                problems.append("\(route.method) \(path) is a route but not in the document")
            }
        }
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            for method in methods {
                guard let operation = item[method] else { continue }
                let key = "\(method.uppercased()) \(path)"
                guard let route = routes[key] else {
                    problems.append("\(key) is in the document but not a route")
                    continue
                }
                let declared = Set(pathParameters(of: operation, item: item, document: document))
                for name in route.captureNames where !declared.contains(name) {
                    problems.append("\(key) does not declare path parameter \(name)")
                }
                let security = operation["security"]?.arrayValue
                let open = security?.isEmpty ?? false
                let optional = security?.contains(.object([:])) ?? false
                let anonymous = route.access == .anonymousAllowed
                if anonymous != optional {
                    problems.append("\(key): the route \(anonymous ? "serves" : "refuses") anonymous callers but the document says otherwise")
                } else if open && route.access != .open {
                    problems.append("\(key) says security: [] but the route authenticates")
                } else if !open && route.access == .open {
                    problems.append("\(key) is open but the document asks for a token")
                }
            }
        }
        return problems
    }

    /// Names of the `in: path` parameters of an operation and its path item, `$ref`s resolved.
    static func pathParameters(of operation: JSONValue, item: JSONValue, document: JSONValue) -> [String] {
        let all = (item["parameters"]?.arrayValue ?? []) + (operation["parameters"]?.arrayValue ?? [])
        return all.compactMap { parameter in
            let resolved = parameter["$ref"]?.stringValue.flatMap { resolve($0, in: document) } ?? parameter
            return resolved["in"]?.stringValue == "path" ? resolved["name"]?.stringValue : nil
        }
    }

    /// A local JSON pointer (`#/components/schemas/User`), or nil when nothing is there.
    static func resolve(_ reference: String, in document: JSONValue) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacing("~1", with: "/").replacing("~0", with: "~")
            node = node?[String(key)]
        }
        return node
    }

    /// Every `$ref` anywhere in the document that does not resolve, sorted.
    static func unresolvedReferences(in document: JSONValue) -> [String] {
        var missing: Set<String> = []
        func walk(_ node: JSONValue) {
            switch node {
            case .object(let fields):
                if let reference = fields["$ref"]?.stringValue, resolve(reference, in: document) == nil {
                    missing.insert(reference)
                }
                fields.values.forEach(walk)
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(document)
        return missing.sorted()
    }
}
