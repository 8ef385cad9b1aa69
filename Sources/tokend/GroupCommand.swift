public import ArgumentParser
public import TokenCore
import TokenStore

struct GroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Manage groups offline, on the store of --data or --store (what POST /groups does, for bootstrapping).",
        subcommands: [CreateGroup.self]
    )
}

struct CreateGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a group (or a subgroup with --parent) and print its id.",
        discussion: """
            Example:
              GROUP=$(tokend group create --data ./var --name Acme --path acme --owner alice)
              tokend group create --data ./var --name Tools --path tools --parent acme
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "Display name.")
    var name: String

    @Option(help: "URL segment; letters, digits, '_', '-', '.' (default: derived from the name).")
    var path: String?

    @Option(help: "Parent group, by id or full path: makes a subgroup.")
    var parent: String?

    @Option(help: "private, internal or public.")
    var visibility: Visibility = .private

    @Option(help: "A user (id or username) to make the group's Owner.")
    var owner: String?

    func run() throws {
        let now = Clock.system.now()
        let group = try store.openStore().auditedWrite { state throws -> Group in
            var parentID: GroupID?
            if let parent {
                guard case .group(let id)? = ResourceReference.find(parent, group: true, in: state) else {
                    throw ValidationError("no group \(parent)")
                }
                parentID = id
            }
            let new = ResourceDirectory.NewGroup(
                name: name, path: path ?? ResourceDirectory.slug(name), parentID: parentID, visibility: visibility)
            let group = try ResourceReference.run { () throws(ResourceDirectory.Failure) in
                try ResourceDirectory.createGroup(new, by: nil, at: now, in: &state)
            }
            if let owner {
                guard let user = UserDirectory.find(owner, in: state) else { throw ValidationError("no user \(owner)") }
                _ = try ResourceReference.run { () throws(ResourceDirectory.Failure) in
                    try ResourceDirectory.addMember(
                        user.id, to: .group(group.id), accessLevel: AccessLevel.owner.rawValue, expiresAt: nil, by: nil, at: now, in: &state)
                }
            }
            return group
        }
        print(group.id.rawValue)
    }
}

extension Visibility: ExpressibleByArgument {}

/// Finding projects and groups by id or full path, and turning directory refusals into CLI errors.
enum ResourceReference {
    static func find(_ reference: String, group: Bool, in state: borrowing StoreState) -> Resource? {
        if let number = Int(reference) {
            if group { return state.resources.group(GroupID(number)).map { .group($0.id) } }
            return state.resources.project(ProjectID(number)).map { .project($0.id) }
        }
        let found = state.resources.resource(atPath: reference)
        switch found {
        case .group?: return group ? found : nil
        case .project?: return group ? nil : found
        case nil: return nil
        }
    }

    static func run<T>(_ body: () throws(ResourceDirectory.Failure) -> T) throws -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .invalid(let errors): throw ValidationError(errors.map(\.sentence).joined(separator: "; "))
            case .forbidden: throw ValidationError("not permitted")
            case .notFound(let what): throw ValidationError("\(what) not found")
            case .memberExists: throw ValidationError("that user is already a member")
            case .memberNotFound: throw ValidationError("that user is not a member")
            }
        }
    }
}

/// `--project` or `--group`, exactly one, by id or full path: what an offline command acts on.
struct ResourceOptions: ParsableArguments {
    @Option(help: "The project, by id or full path.")
    var project: String?

    @Option(help: "The group, by id or full path.")
    var group: String?

    func validate() throws {
        guard (project == nil) != (group == nil) else { throw ValidationError("give exactly one of --project and --group") }
    }

    /// The project or group named, in `state`; a ValidationError naming it when there is none.
    func find(in state: borrowing StoreState) throws -> Resource {
        let reference = project ?? group ?? ""
        guard let resource = ResourceReference.find(reference, group: group != nil, in: state) else {
            throw ValidationError("no \(group != nil ? "group" : "project") \(reference)")
        }
        return resource
    }
}
