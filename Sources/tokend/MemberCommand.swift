import ArgumentParser
import TokenCore
import TokenStore

struct MemberCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member",
        abstract: "Manage project and group members offline (what POST /…/members does, for bootstrapping).",
        subcommands: [AddMember.self]
    )
}

struct AddMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Make a user a member of a project or group at an access level.",
        discussion: """
            Access levels: guest (10), planner (15), reporter (20), developer (30), \
            maintainer (40), owner (50); give the name or the number.

            Example:
              tokend member add --data ./var --project acme/web-app --user alice --access-level maintainer
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The project, by id or full path.")
    var project: String?

    @Option(help: "The group, by id or full path.")
    var group: String?

    @Option(help: "The user, by id or username.")
    var user: String

    @Option(name: .customLong("access-level"), help: "guest, planner, reporter, developer, maintainer, owner, or 10-50.")
    var accessLevel: String

    static let levels = ["guest": 10, "planner": 15, "reporter": 20, "developer": 30, "maintainer": 40, "owner": 50]

    var level: Int? { Self.levels[accessLevel.lowercased()] ?? Int(accessLevel).flatMap { AccessLevel.memberLevels.contains($0) ? $0 : nil } }

    func validate() throws {
        guard (project == nil) != (group == nil) else { throw ValidationError("give exactly one of --project and --group") }
        guard level != nil else { throw ValidationError("--access-level must be one of \(Self.levels.keys.sorted().joined(separator: ", ")) or 10, 15, 20, 30, 40, 50") }
    }

    func run() throws {
        let now = Environment.systemClock.now()
        let level = self.level ?? AccessLevel.developer
        try store.openStore().write { state throws in
            let reference = project ?? group ?? ""
            guard let resource = ResourceReference.find(reference, group: group != nil, in: state) else {
                throw ValidationError("no \(group != nil ? "group" : "project") \(reference)")
            }
            guard let member = UserDirectory.find(user, in: state) else { throw ValidationError("no user \(user)") }
            _ = try ResourceReference.run { () throws(ResourceDirectory.Failure) in
                try ResourceDirectory.addMember(member.id, to: resource, accessLevel: level, expiresAt: nil, by: nil, at: now, in: &state)
            }
        }
    }
}
