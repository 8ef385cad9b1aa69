import Foundation
import PackagePlugin

/// Before every build of `tokend`, writes `BuildCommit.swift` with the commit it is built from
/// (`git rev-parse --short HEAD`, `-dirty` when tracked files have changes other than the
/// version line `make dist` stamps; `unknown` outside a git checkout), so that `tokend --version` says it for every build, not only for `make dist`'s.
/// A prebuild command, so it runs each time; the file is rewritten only when the commit changes,
/// so an unchanged build compiles nothing again.
@main
struct BuildCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = """
            set -u
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$commit" != unknown ] && [ -n "$(git -C "$1" status --porcelain --untracked-files=no -- . ':!Sources/tokend/ReleaseVersion.swift' 2>/dev/null)" ]; then
              commit="$commit-dirty"
            fi
            mkdir -p "$2"
            line="let buildCommit = \\"$commit\\""
            [ "$(cat "$2/BuildCommit.swift" 2>/dev/null)" = "$line" ] || printf '%s\\n' "$line" > "$2/BuildCommit.swift"
            """
        return [
            .prebuildCommand(
                displayName: "tokend: the commit of this build",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output)
        ]
    }
}
