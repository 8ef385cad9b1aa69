public import ArgumentParser
public import TokenCore
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
    @OptionGroup var resource: ResourceOptions

    @Option(help: "The user, by id or username.")
    var user: String

    @Option(name: .customLong("access-level"), help: "guest, planner, reporter, developer, maintainer, owner, or 10-50.")
    var accessLevel: AccessLevel

    func run() throws {
        let now = Clock.system.now()
        let level = accessLevel.rawValue
        try store.openStore().auditedWrite { state throws in
            let resource = try self.resource.find(in: state)
            guard let member = UserDirectory.find(user, in: state) else { throw ValidationError("no user \(user)") }
            _ = try ResourceReference.run { () throws(ResourceDirectory.Failure) in
                try ResourceDirectory.addMember(member.id, to: resource, accessLevel: level, expiresAt: nil, by: nil, at: now, in: &state)
            }
        }
    }
}

extension AccessLevel: ExpressibleByArgument {
    /// A member level by name (`maintainer`) or number (`40`).
    public init?(argument: String) {
        let named = AccessLevel.memberLevels.first { "\($0)" == argument.lowercased() }
        guard let level = named ?? Int(argument).flatMap(AccessLevel.init(memberLevel:)) else { return nil }
        self = level
    }

    public static var allValueStrings: [String] { memberLevels.map { "\($0)" } }
}
