import Testing
import TokenCore

/// Subgroups nest at most ``ResourceDirectory/maximumAncestors`` deep, as GitLab's
/// `Namespace::NUMBER_OF_ANCESTORS_ALLOWED`, and a group's full path is derived from its parents,
/// so a rename writes one record however deep the tree below it is.
struct GroupNestingTests {
    let f: ManagementFixture
    init() throws { f = try ManagementFixture() }

    /// A chain of groups under `top`, `levels` deep, with a project at the bottom; the ids, top down.
    func chain(_ levels: Int, in state: inout StoreState, path: (Int) -> String = { "level\($0)" }) throws -> [GroupID] {
        var ids = [try #require(f.id("top").groupID)]
        for level in 1...levels {
            let group = try ResourceDirectory.createGroup(
                .init(name: "L\(level)", path: path(level), parentID: ids.last), by: f.caller(f.alice), at: f.now, in: &state)
            ids.append(group.id)
        }
        _ = try ResourceDirectory.createProject(.init(name: "Deep", path: "deep", groupID: ids.last), by: f.caller(f.alice), at: f.now, in: &state)
        return ids
    }

    @Test func aGroupMayHaveTwentyAncestorsAndNoMore() throws {
        var state = f.state
        state.beginTransaction()
        let ids = try chain(ResourceDirectory.maximumAncestors, in: &state)
        #expect(state.resources.lineage(of: ids.last!).count == 21, "top and 20 subgroups: the deepest has 20 ancestors")
        for caller in [f.caller(f.alice), f.caller(f.root), nil] {
            #expect(throws: ResourceDirectory.Failure.invalid([FieldError("parent_id", "has too deep level of nesting")])) {
                try ResourceDirectory.createGroup(.init(name: "Too deep", path: "toodeep", parentID: ids.last), by: caller, at: f.now, in: &state)
            }
        }
        #expect(state.resources.resource(atPath: (["top"] + (1...20).map { "level\($0)" } + ["toodeep"]).joined(separator: "/")) == nil)
    }

    @Test func renamingAGroupWritesOneRecordAndMovesEveryDescendant() throws {
        var state = f.state
        state.beginTransaction()
        let ids = try chain(ResourceDirectory.maximumAncestors, in: &state)
        state.commit()
        state.beginTransaction()
        _ = try ResourceDirectory.updateGroup(ids[0], .init(path: "renamed"), by: f.caller(f.alice), at: f.now, in: &state)
        let changes = state.commit()
        #expect(changes.count == 1, "only the renamed group is written, not its \(ids.count - 1) subgroups and their projects")
        let below = (1...20).map { "level\($0)" }.joined(separator: "/")
        #expect(state.resources.fullPath(of: .group(ids.last!)) == "renamed/" + below)
        #expect(state.resources.resource(atPath: "RENAMED/" + below + "/Deep").map { state.resources.fullPath(of: $0) } == "renamed/" + below + "/deep")
        #expect(state.resources.resource(atPath: "top/" + below) == nil, "the old path is free")
        #expect(state.resources.resource(atPath: "renamed/sub/app") == f.id("top/sub/app"))
        // A restart replays the one change and finds the same paths.
        var replay = StoreState()
        for user in f.state.allUsers() { replay.apply(.putUser(user)) }
        for group in state.resources.allGroups().reversed() { replay.apply(.putGroup(group)) }
        for project in state.resources.allProjects() { replay.apply(.putProject(project)) }
        #expect(replay.resources.resource(atPath: "renamed/" + below) == .group(ids.last!), "children loaded before their parents still resolve")
    }

    @Test func pathLookupsWalkSegmentsAndUserNamespaces() throws {
        let state = f.state
        #expect(state.resources.resource(atPath: "alice/home") == state.resources.allProjects().first.map { .project($0.id) })
        #expect(state.resources.resource(atPath: "Alice/HOME") != nil, "case is ignored, as GitLab's routes")
        #expect(state.resources.fullPath(of: f.id("alice/home")) == "alice/home")
        for missing in ["alice", "", "/", "top/", "/top", "top//sub", "top/sub/app/x", "alice/home/x", "nobody/home", "top/sub/../sub"] {
            #expect(state.resources.resource(atPath: missing) == nil, "\(missing)")
        }
        // A long path of any shape is walked segment by segment and finds nothing.
        #expect(state.resources.resource(atPath: String(repeating: "top/", count: 4_000)) == nil)
    }
}

extension Resource {
    var groupID: GroupID? {
        if case .group(let id) = self { return id }
        return nil
    }
}
