import JSON
import Testing

/// What configuration tools write and read back (a user's profile, a project's settings, every
/// hook setting) survives a worker restart on both backends, through nginx.
@Suite(.timeLimit(.minutes(20)))
struct ConfigurationToolIntegrationTests {
    @Test(arguments: Backend.available)
    func storedSettingsSurviveARestart(backend: Backend) throws {
        let server = try LiveServer(backend: backend)
        defer { server.stop() }
        let admin = try server.createToken(scopes: "api")
        let user = try server.request(
            "POST", "/users", token: admin, form: "username=ann&name=Ann&email=ann%40example.com&password=correct-horse")
        #expect(user.status == 201, "\(user.body)")
        let userID = try #require(user.json?["id"]?.intValue)
        let updated = try server.request(
            "PUT", "/users/\(userID)", token: admin, form: "username=anna&external=true&projects_limit=3&note=ops&bio=Hi&skip_reconfirmation=true")
        #expect(updated.status == 200, "\(updated.body)")
        let project = try server.request(
            "POST", "/projects", token: admin, form: "name=Deploy&merge_method=ff&issues_enabled=false&squash_option=always&lfs_enabled=false")
        #expect(project.status == 201, "\(project.body)")
        let projectID = try #require(project.json?["id"]?.intValue)
        let hook = try server.request(
            "POST", "/projects/\(projectID)/hooks", token: admin,
            form: "url=https://hooks.example.com/a&push_events_branch_filter=&issues_events=true&branch_filter_strategy=regex")
        #expect(hook.status == 201, "\(hook.body)")
        let hookID = try #require(hook.json?["id"]?.intValue)

        server.stopWorkers()
        try server.startWorker()

        let shownUser = try #require(try server.request("GET", "/users/\(userID)", token: admin).json)
        #expect(shownUser["username"]?.stringValue == "anna" && shownUser["external"]?.boolValue == true)
        #expect(shownUser["projects_limit"]?.intValue == 3 && shownUser["note"]?.stringValue == "ops" && shownUser["bio"]?.stringValue == "Hi")
        let shownProject = try #require(try server.request("GET", "/projects/\(projectID)", token: admin).json)
        #expect(shownProject["merge_method"]?.stringValue == "ff" && shownProject["issues_enabled"]?.boolValue == false)
        #expect(shownProject["squash_option"]?.stringValue == "always" && shownProject["lfs_enabled"]?.boolValue == false)
        #expect(shownProject["wiki_enabled"]?.boolValue == true)
        let shownHook = try #require(try server.request("GET", "/projects/\(projectID)/hooks/\(hookID)", token: admin).json)
        #expect(shownHook["push_events_branch_filter"]?.stringValue == "" && shownHook["issues_events"]?.boolValue == true)
        #expect(shownHook["branch_filter_strategy"]?.stringValue == "regex" && shownHook["note_events"]?.boolValue == false)
        let namespace = try server.request("GET", "/namespaces/anna", token: admin)
        #expect(namespace.status == 200 && namespace.json?["kind"]?.stringValue == "user", "\(namespace.body)")
        if backend == .postgres {
            let check = try LiveServer.run(server.binary, ["store", "check"], environment: server.storeEnvironment)
            #expect(check.status == 0, "\(check.stdout)")
        }
    }
}
