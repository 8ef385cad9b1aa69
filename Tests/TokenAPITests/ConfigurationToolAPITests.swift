import JSON
import Testing
import TokenCore
import TokendTesting

/// What configuration tools (Ansible's GitLab modules, Terraform) read back after they write:
/// user updates, namespaces, the project entity's settings, a group's projects and shares, a
/// project's users, and every setting of a hook.
struct ConfigurationToolAPITests {
    // MARK: PUT /users/:id

    @Test func onlyAdminsUpdateUsersAndAMissingUserIs404() throws {
        let f = try ResourceFixture()
        let id = f.ids["developer"]!
        let refused = f.client.request("PUT", "/users/\(id)", token: f.owner, form: "name=New")
        #expect(refused.status == 403 && refused.body == #"{"message":"403 Forbidden"}"#, "\(refused.body)")
        let missing = f.client.request("PUT", "/users/99999", token: f.admin, form: "name=New")
        #expect(missing.status == 404 && missing.body == #"{"message":"404 User Not Found"}"#, "\(missing.body)")
    }

    @Test func anUpdateKeepsAndEchoesEveryAttributeAndIgnoresWhatTokendDoesNotModel() throws {
        let f = try ResourceFixture()
        let id = f.ids["developer"]!
        let form = "name=Dev+Eloper&email=dev%40example.org&admin=true&external=true&can_create_group=false&projects_limit=7"
            + "&note=contractor&bio=Hi&location=Berlin&website_url=https%3A%2F%2Fexample.org&organization=Acme&job_title=Ops"
            + "&pronouns=they&skip_reconfirmation=true&reset_password=false&force_random_password=false"
        let updated = f.client.request("PUT", "/users/\(id)", token: f.admin, form: form)
        #expect(updated.status == 200, "\(updated.body)")
        let shown = try #require(f.client.request("GET", "/users/\(id)", token: f.admin).json)
        #expect(shown["name"]?.stringValue == "Dev Eloper")
        #expect(shown["email"]?.stringValue == "dev@example.org")
        #expect(shown["is_admin"]?.boolValue == true)
        #expect(shown["external"]?.boolValue == true)
        #expect(shown["can_create_group"]?.boolValue == false)
        #expect(shown["projects_limit"]?.intValue == 7)
        #expect(shown["note"]?.stringValue == "contractor")
        for (key, value) in [("bio", "Hi"), ("location", "Berlin"), ("website_url", "https://example.org"), ("organization", "Acme"),
                             ("job_title", "Ops"), ("pronouns", "they")] {
            #expect(shown[key]?.stringValue == value, "\(key)")
        }
        #expect(shown["namespace_id"]?.intValue == Namespace.userNamespaceIDBase + id)
        let external = f.client.request("GET", "/users?external=true", token: f.admin).json?.arrayValue?.compactMap { $0["id"]?.intValue }
        #expect(external == [id])
        let others = f.client.request("GET", "/users?exclude_external=true", token: f.admin).json?.arrayValue?.compactMap { $0["id"]?.intValue }
        #expect(others?.contains(id) == false && others?.isEmpty == false)
    }

    @Test func aTakenEmailOrUsernameIsGitLabsConflict() throws {
        let f = try ResourceFixture()
        let id = f.ids["developer"]!
        let email = f.client.request("PUT", "/users/\(id)", token: f.admin, form: "email=OWNER%40example.com&username=owner")
        #expect(email.status == 409 && email.body == #"{"message":"Email has already been taken"}"#, "\(email.body)")
        let username = f.client.request("PUT", "/users/\(id)", token: f.admin, form: "username=Owner")
        #expect(username.status == 409 && username.body == #"{"message":"Username has already been taken"}"#, "\(username.body)")
        let group = f.client.request("PUT", "/users/\(id)", token: f.admin, form: "username=acme")
        #expect(group.status == 409, "a top-level group's path is a namespace too")
        let same = f.client.request("PUT", "/users/\(id)", token: f.admin, form: "username=developer&email=developer%40example.com")
        #expect(same.status == 200, "a user's own username and e-mail are not taken: \(same.body)")
    }

    @Test func theModelsRulesAreGitLabsBadRequest() throws {
        let f = try ResourceFixture()
        let id = f.ids["developer"]!
        let cases: [(String, String)] = [
            ("password=short", #"{"message":{"password":["is too short (minimum is 8 characters)"]}}"#),
            ("password=" + String(repeating: "x", count: 129), #"{"message":{"password":["is too long (maximum is 128 characters)"]}}"#),
            ("projects_limit=-1", #"{"message":{"projects_limit":["must be greater than or equal to 0"]}}"#),
            ("email=nope", #"{"message":{"email":["is invalid"]}}"#),
            ("name=+", #"{"message":{"name":["can't be blank"]}}"#),
            ("username=-bad", #"{"message":{"username":["can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'."]}}"#),
            ("bio=" + String(repeating: "b", count: 256), #"{"message":{"bio":["is too long (maximum is 255 characters)"]}}"#),
        ]
        for (form, body) in cases {
            let refused = f.client.request("PUT", "/users/\(id)", token: f.admin, form: form)
            #expect(refused.status == 400 && refused.body == body, "\(form): \(refused.body)")
        }
        let grape = f.client.request("PUT", "/users/\(id)", token: f.admin, form: "projects_limit=many")
        #expect(grape.status == 400 && grape.body == #"{"error":"projects_limit is invalid"}"#, "\(grape.body)")
        #expect(try f.client.repository.read { $0.user(UserID(id))?.passwordHash } == nil, "a refused password is not stored")
        #expect(f.client.request("PUT", "/users/\(id)", token: f.admin, form: "password=long-enough-secret").status == 200)
        let hash = try f.client.repository.read { $0.user(UserID(id))?.passwordHash }
        #expect(hash?.hasPrefix("$2") == true, "the password is handed to web sign-in's setter: its bcrypt hash is stored")
    }

    @Test func aNewUsernameRenamesTheUsersNamespace() throws {
        let f = try ResourceFixture()
        let id = f.ids["outsider"]!
        let token = f.outsider
        let project = f.client.request("POST", "/projects", token: token, form: "name=Notes")
        #expect(project.status == 201)
        #expect(f.client.request("PUT", "/users/\(id)", token: f.admin, form: "username=stranger").status == 200)
        let moved = f.client.request("GET", "/projects/stranger%2Fnotes", token: token)
        #expect(moved.status == 200 && moved.json?["path_with_namespace"]?.stringValue == "stranger/notes", "\(moved.body)")
        #expect(f.client.request("GET", "/namespaces/stranger", token: token).json?["id"]?.intValue == Namespace.userNamespaceIDBase + id)
        #expect(f.client.request("GET", "/namespaces/outsider", token: f.admin).status == 404)
    }

    // MARK: Namespaces

    @Test func namespacesAreListedAsGitLabDoes() throws {
        let f = try ResourceFixture()
        let paths = { (token: String, query: String) in
            f.client.request("GET", "/namespaces" + query, token: token).json?.arrayValue?.compactMap { $0["full_path"]?.stringValue } ?? []
        }
        #expect(paths(f.owner, "") == ["acme", "acme/tools", "owner"], "direct group memberships and the caller's own")
        #expect(paths(f.developer, "") == ["developer"], "a project membership is no namespace")
        #expect(paths(f.owner, "?top_level_only=true") == ["acme", "owner"])
        #expect(paths(f.owner, "?search=acm") == ["acme"])
        #expect(paths(f.owner, "?search=tools") == ["acme/tools"])
        #expect(paths(f.owner, "?search=acme%2Ftoo&full_path_search=true") == ["acme/tools"])
        #expect(paths(f.maintainer, "?owned_only=true") == ["maintainer"])
        let all = paths(f.admin, "")
        #expect(all.contains("acme") && all.contains("acme/tools") && all.contains("developer") && all.contains("root"))
        let page = f.client.request("GET", "/namespaces?per_page=1", token: f.admin)
        #expect(page.json?.arrayValue?.count == 1 && page.header("X-Total") == String(all.count))
    }

    @Test func aNamespaceByIdOrPathWithGitLabsVisibility() throws {
        let f = try ResourceFixture()
        let group = f.client.request("GET", "/namespaces/acme%2Ftools", token: f.owner)
        #expect(group.status == 200, "\(group.body)")
        #expect(group.json?["id"]?.intValue == f.ids["subgroup"] && group.json?["kind"]?.stringValue == "group")
        #expect(group.json?["parent_id"]?.intValue == f.group)
        #expect(group.json?["members_count_with_descendants"]?.intValue == 1, "shown to those who administer the group")
        #expect(f.client.request("GET", "/namespaces/\(f.group)", token: f.owner).json?["full_path"]?.stringValue == "acme")
        let own = f.client.request("GET", "/namespaces/\(Namespace.userNamespaceIDBase + f.ids["developer"]!)", token: f.developer)
        #expect(own.json?["kind"]?.stringValue == "user" && own.json?["path"]?.stringValue == "developer", "\(own.body)")
        #expect(own.json?["members_count_with_descendants"] == nil)
        for (token, reference) in [(f.outsider, "acme"), (f.outsider, "developer"), (f.developer, "acme"), (f.owner, "nothing"), (f.owner, "0")] {
            let hidden = f.client.request("GET", "/namespaces/\(reference)", token: token)
            #expect(hidden.status == 404 && hidden.body == #"{"message":"404 Namespace Not Found"}"#, "\(reference): \(hidden.body)")
        }
        #expect(f.client.request("GET", "/namespaces/acme", token: f.admin).json?["projects_count"]?.intValue == 0)
        #expect(f.client.request("GET", "/namespaces/acme").status == 401)
    }

    @Test func existsAnswersWithASuggestion() throws {
        let f = try ResourceFixture()
        let taken = f.client.request("GET", "/namespaces/acme/exists", token: f.outsider)
        #expect(taken.status == 200 && taken.body == #"{"exists":true,"suggests":["acme1"]}"#, "\(taken.body)")
        #expect(f.client.request("GET", "/namespaces/Developer/exists", token: f.outsider).json?["exists"]?.boolValue == true)
        #expect(f.client.request("GET", "/namespaces/free/exists", token: f.outsider).body == #"{"exists":false,"suggests":[]}"#)
        #expect(f.client.request("GET", "/namespaces/tools/exists", token: f.outsider).json?["exists"]?.boolValue == false)
        let nested = f.client.request("GET", "/namespaces/tools/exists?parent_id=\(f.group)", token: f.outsider)
        #expect(nested.body == #"{"exists":true,"suggests":["tools1"]}"#, "\(nested.body)")
        #expect(f.client.request("GET", "/namespaces/tools/exists?parent_id=x", token: f.outsider).status == 400)
    }

    @Test func aProjectIsCreatedInANamespaceById() throws {
        let f = try ResourceFixture()
        let own = Namespace.userNamespaceIDBase + f.ids["outsider"]!
        let created = f.client.request("POST", "/projects", token: f.outsider, form: "name=Mine&namespace_id=\(own)")
        #expect(created.status == 201 && created.json?["namespace"]?["id"]?.intValue == own, "\(created.body)")
        let other = Namespace.userNamespaceIDBase + f.ids["developer"]!
        let refused = f.client.request("POST", "/projects", token: f.outsider, form: "name=Theirs&namespace_id=\(other)")
        #expect(refused.status == 404 && refused.body == #"{"message":"404 Namespace Not Found"}"#, "\(refused.body)")
        let byAdmin = f.client.request("POST", "/projects", token: f.admin, form: "name=Theirs&namespace_id=\(other)")
        #expect(byAdmin.status == 201 && byAdmin.json?["path_with_namespace"]?.stringValue == "developer/theirs", "\(byAdmin.body)")
    }

    // MARK: Project settings

    @Test func aNewProjectHasGitLabsDefaults() throws {
        let f = try ResourceFixture()
        let project = try #require(f.client.request("GET", "/projects/\(f.project)", token: f.owner).json)
        for key in ["issues_enabled", "merge_requests_enabled", "wiki_enabled", "jobs_enabled", "snippets_enabled", "container_registry_enabled",
                    "lfs_enabled", "packages_enabled", "shared_runners_enabled", "request_access_enabled", "remove_source_branch_after_merge"] {
            #expect(project[key]?.boolValue == true, "\(key)")
        }
        for key in ["only_allow_merge_if_pipeline_succeeds", "service_desk_enabled", "emails_disabled"] {
            #expect(project[key]?.boolValue == false, "\(key)")
        }
        #expect(project["merge_method"]?.stringValue == "merge")
        #expect(project["squash_option"]?.stringValue == "default_off")
        #expect(project["issues_access_level"]?.stringValue == "enabled")
        #expect(project["pages_access_level"]?.stringValue == "private")
        #expect(project["ci_config_path"] == .null)
    }

    @Test func settingsAreKeptAndEchoedOnCreateAndUpdate() throws {
        let f = try ResourceFixture()
        let created = f.client.request(
            "POST", "/projects", token: f.owner, form: "name=Set&merge_method=ff&issues_enabled=false&lfs_enabled=false&squash_option=always")
        #expect(created.status == 201, "\(created.body)")
        #expect(created.json?["merge_method"]?.stringValue == "ff" && created.json?["issues_enabled"]?.boolValue == false)
        #expect(created.json?["issues_access_level"]?.stringValue == "disabled" && created.json?["lfs_enabled"]?.boolValue == false)
        let id = try #require(created.json?["id"]?.intValue)
        let updated = f.client.request(
            "PUT", "/projects/\(id)", token: f.owner,
            form: "issues_enabled=false&issues_access_level=private&wiki_enabled=false&pages_access_level=public&ci_config_path=ci.yml&only_allow_merge_if_pipeline_succeeds=true")
        #expect(updated.status == 200, "\(updated.body)")
        let shown = try #require(f.client.request("GET", "/projects/\(id)", token: f.owner).json)
        #expect(shown["issues_access_level"]?.stringValue == "private", "the access level wins over the boolean")
        #expect(shown["issues_enabled"]?.boolValue == true)
        #expect(shown["wiki_enabled"]?.boolValue == false && shown["wiki_access_level"]?.stringValue == "disabled")
        #expect(shown["pages_access_level"]?.stringValue == "public" && shown["ci_config_path"]?.stringValue == "ci.yml")
        #expect(shown["only_allow_merge_if_pipeline_succeeds"]?.boolValue == true && shown["merge_method"]?.stringValue == "ff")
    }

    @Test func aSettingOutsideItsListIsGrapesBadRequest() throws {
        let f = try ResourceFixture()
        for (form, body) in [
            ("merge_method=squash", #"{"error":"merge_method does not have a valid value"}"#),
            ("squash_option=sometimes", #"{"error":"squash_option does not have a valid value"}"#),
            ("issues_access_level=public", #"{"error":"issues_access_level does not have a valid value"}"#),
            ("lfs_enabled=maybe", #"{"error":"lfs_enabled is invalid"}"#),
        ] {
            let refused = f.client.request("PUT", "/projects/\(f.project)", token: f.owner, form: form)
            #expect(refused.status == 400 && refused.body == body, "\(form): \(refused.body)")
            let create = f.client.request("POST", "/projects", token: f.owner, form: "name=X&" + form)
            #expect(create.status == 400 && create.body == body, "\(form): \(create.body)")
        }
        let developer = f.client.request("PUT", "/projects/\(f.project)", token: f.developer, form: "merge_method=ff")
        #expect(developer.status == 403)
        #expect(f.client.request("PUT", "/projects/\(f.project)", token: f.maintainer, form: "merge_method=ff").status == 200)
    }

    // MARK: Lists

    @Test func aGroupsProjectsWithItsFilters() throws {
        let f = try ResourceFixture()
        let names = { (token: String?, query: String) in
            f.client.request("GET", "/groups/\(f.group)/projects" + query, token: token).json?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        }
        #expect(names(f.owner, "") == [], "the project is in the subgroup")
        #expect(names(f.owner, "?include_subgroups=true") == ["hammer"])
        #expect(names(f.owner, "?include_subgroups=true&search=ham&simple=true") == ["hammer"])
        #expect(names(f.owner, "?include_subgroups=true&visibility=public") == [])
        #expect(names(f.owner, "?include_subgroups=true&archived=true") == [])
        #expect(f.client.request("GET", "/groups/\(f.group)/projects", token: f.outsider).status == 404, "a private group is hidden")
        #expect(f.client.request("GET", "/groups/\(f.group)/projects?order_by=stars", token: f.owner).status == 400)
        #expect(names(f.owner, "?include_subgroups=true&owned=true") == ["hammer"])
    }

    @Test func theGroupsAGroupWasInvitedTo() throws {
        let f = try ResourceFixture()
        let other = f.client.request("POST", "/groups", token: f.owner, form: "name=Partner&path=partner")
        let partner = try #require(other.json?["id"]?.intValue)
        #expect(f.client.request("POST", "/groups/\(partner)/share", token: f.owner, form: "group_id=\(f.group)&group_access=30").status == 201)
        let shared = f.client.request("GET", "/groups/\(f.group)/groups/shared", token: f.owner)
        #expect(shared.status == 200 && shared.json?.arrayValue?.compactMap { $0["path"]?.stringValue } == ["partner"], "\(shared.body)")
        #expect(f.client.request("GET", "/groups/\(partner)/groups/shared", token: f.owner).json?.arrayValue?.isEmpty == true)
        #expect(f.client.request("GET", "/groups/\(f.group)/groups/shared", token: f.outsider).status == 404)
    }

    @Test func aProjectsUsersAreItsEffectiveMembers() throws {
        let f = try ResourceFixture()
        let users = { (query: String) in
            f.client.request("GET", "/projects/\(f.project)/users" + query, token: f.developer).json?.arrayValue?.compactMap { $0["username"]?.stringValue } ?? []
        }
        #expect(users("") == ["owner", "maintainer", "developer"], "by id, the group's owner included")
        #expect(users("?search=dev") == ["developer"])
        #expect(users("?skip_users=\(f.ids["owner"]!),\(f.ids["maintainer"]!)") == ["developer"])
        let entry = try #require(f.client.request("GET", "/projects/\(f.project)/users", token: f.developer).json?.arrayValue?.first)
        #expect(entry["email"] == nil && entry["web_url"] != nil, "UserBasic")
        #expect(f.client.request("GET", "/projects/\(f.project)/users", token: f.outsider).status == 404)
    }

    // MARK: Hooks

    @Test func everyHookSettingIsKeptAsSent() throws {
        let f = try ResourceFixture()
        let created = f.client.request(
            "POST", "/projects/\(f.project)/hooks", token: f.maintainer,
            form: "url=https://hooks.example.com/a&push_events_branch_filter=&issues_events=true&job_events=true&branch_filter_strategy=regex&custom_webhook_template=%7B%7D")
        #expect(created.status == 201, "\(created.body)")
        let hook = try #require(created.json)
        #expect(hook["push_events_branch_filter"]?.stringValue == "", "an empty filter stays empty")
        #expect(hook["issues_events"]?.boolValue == true && hook["job_events"]?.boolValue == true && hook["note_events"]?.boolValue == false)
        #expect(hook["branch_filter_strategy"]?.stringValue == "regex" && hook["custom_webhook_template"]?.stringValue == "{}")
        #expect(hook["member_events"] == nil, "group events are a group hook's")
        let id = try #require(hook["id"]?.intValue)
        let updated = f.client.request("PUT", "/projects/\(f.project)/hooks/\(id)", token: f.maintainer, form: "issues_events=false&push_events_branch_filter=main")
        #expect(updated.json?["issues_events"]?.boolValue == false && updated.json?["job_events"]?.boolValue == true)
        #expect(updated.json?["push_events_branch_filter"]?.stringValue == "main" && updated.json?["branch_filter_strategy"]?.stringValue == "regex")
        let bad = f.client.request("PUT", "/projects/\(f.project)/hooks/\(id)", token: f.maintainer, form: "branch_filter_strategy=glob")
        #expect(bad.status == 400 && bad.body == #"{"error":"branch_filter_strategy does not have a valid value"}"#)
        let group = f.client.request("POST", "/groups/\(f.group)/hooks", token: f.owner, form: "url=https://hooks.example.com/g&member_events=true")
        #expect(group.status == 201 && group.json?["member_events"]?.boolValue == true, "\(group.body)")
    }
}
