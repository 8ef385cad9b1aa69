import JSON
import Testing
import TokenCore
import TokendTesting

/// A group `acme` with subgroup `acme/tools` and private project `acme/tools/hammer`, and one
/// user per role: owner (of the group), maintainer, developer (of the project), outsider, admin.
struct ResourceFixture {
    let client: TestClient
    var admin = ""
    var owner = ""
    var maintainer = ""
    var developer = ""
    var outsider = ""
    var ids: [String: Int] = [:]

    init(settings: InstanceSettings = .default) throws {
        client = TestClient(settings: settings)
        let root = try client.repository.read { $0.user(UserID(1))! }
        admin = try client.createToken(for: root, name: "admin")
        for name in ["owner", "maintainer", "developer", "outsider"] {
            let user = try client.createUser(name)
            ids[name] = user.id.rawValue
            let token = try client.createToken(for: user)
            switch name {
            case "owner": owner = token
            case "maintainer": maintainer = token
            case "developer": developer = token
            default: outsider = token
            }
        }
        let group = client.request("POST", "/groups", token: owner, form: "name=Acme&path=acme")
        try #require(group.status == 201, "\(group.body)")
        ids["group"] = group.json?["id"]?.intValue
        let sub = client.request("POST", "/groups", token: owner, form: "name=Tools&path=tools&parent_id=\(ids["group"]!)")
        try #require(sub.status == 201, "\(sub.body)")
        ids["subgroup"] = sub.json?["id"]?.intValue
        let project = client.request("POST", "/projects", token: owner, form: "name=Hammer&namespace_id=\(ids["subgroup"]!)")
        try #require(project.status == 201, "\(project.body)")
        ids["project"] = project.json?["id"]?.intValue
        for (role, level) in [("maintainer", 40), ("developer", 30)] {
            let added = client.request("POST", "/projects/\(ids["project"]!)/members", token: owner, form: "user_id=\(ids[role]!)&access_level=\(level)")
            try #require(added.status == 201, "\(added.body)")
        }
    }

    var project: Int { ids["project"]! }
    var group: Int { ids["group"]! }
}
