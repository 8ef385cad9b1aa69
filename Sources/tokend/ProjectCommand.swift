import ArgumentParser
import TokenCore
import TokenStore

struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Manage projects offline, on the store of --data or --store (what POST /projects does, for bootstrapping).",
        subcommands: [CreateProject.self]
    )
}

struct CreateProject: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a project in a group and print its id.",
        discussion: """
            Members of the group reach the project through it; add project members with \
            `tokend member add --project`.

            Example:
              PROJECT=$(tokend project create --data ./var --namespace acme --name "Web App")
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The group that holds the project, by id or full path.")
    var namespace: String

    @Option(help: "Display name.")
    var name: String

    @Option(help: "URL segment (default: derived from the name, e.g. 'web-app').")
    var path: String?

    @Option(help: "private, internal or public.")
    var visibility: Visibility = .private

    func run() throws {
        let now = Clock.system.now()
        let project = try store.openStore().auditedWrite { state throws -> Project in
            guard case .group(let groupID)? = ResourceReference.find(namespace, group: true, in: state) else {
                throw ValidationError("no group \(namespace)")
            }
            let new = ResourceDirectory.NewProject(name: name, path: path, groupID: groupID, visibility: visibility)
            return try ResourceReference.run { () throws(ResourceDirectory.Failure) in
                try ResourceDirectory.createProject(new, by: nil, at: now, in: &state)
            }
        }
        print(project.id.rawValue)
    }
}
