import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Who owns the store's files. Workers run as the data directory's owner and cannot open a
/// file root made (0600), so tokend run as root on another user's directory becomes that user
/// first; `init` run by a user who may not create the directory says how to create it; and the
/// by-hand install from the README works step by step. Needs root (to create files for, and run
/// as, other users).
@Suite(.timeLimit(.minutes(20)), .enabled(if: getuid() == 0, "needs root to run commands as other users"))
struct StoreOwnershipTests {
    /// A private directory that other users may traverse (but not list).
    static func traversableDirectory() throws -> String {
        let directory = try LiveServer.makeTemporaryDirectory()
        chmod(directory, 0o711)
        return directory
    }

    /// Owner uid and gid and mode of every entry in `directory`, the directory included.
    static func owners(_ directory: String) throws -> [String: (uid: uid_t, gid: gid_t, mode: mode_t)] {
        var found: [String: (uid: uid_t, gid: gid_t, mode: mode_t)] = [:]
        let audit = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/audit").map { "audit/" + $0 }) ?? []
        for name in ["."] + (try FileManager.default.contentsOfDirectory(atPath: directory)) + audit {
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0 else { continue }
            found[name] = (info.st_uid, info.st_gid, info.st_mode & 0o777)
        }
        return found
    }

    /// Runs tokend as `uid`/`gid` (no supplementary groups), as `runuser -u USER -- tokend` does.
    static func runAs(_ uid: uid_t, _ gid: gid_t, _ arguments: [String]) throws -> LiveServer.RunResult {
        try LiveServer.run(
            "/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", LiveServer.binaryPath] + arguments)
    }

    /// Every offline command run by root on a directory owned by `nobody` leaves only files
    /// owned by nobody (0600, the directory 0700), and nobody can go on writing afterwards.
    @Test func offlineCommandsRunByRootLeaveFilesOfTheDirectorysOwner() throws {
        let nobody = try #require(getpwnam("nobody")).pointee
        let directory = try Self.traversableDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = directory + "/data"
        #expect(mkdir(data, 0o700) == 0 && chown(data, nobody.pw_uid, nobody.pw_gid) == 0)
        let tokend = { (arguments: [String]) throws -> LiveServer.RunResult in
            let result = try LiveServer.run(LiveServer.binaryPath, arguments + ["--data", data])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        _ = try tokend(["init"])
        _ = try tokend(["user", "create", "--username", "alice"])
        _ = try tokend(["group", "create", "--name", "Acme", "--path", "acme", "--owner", "alice"])
        _ = try tokend(["project", "create", "--namespace", "acme", "--name", "Web"])
        _ = try tokend(["token", "create", "--user", "alice", "--name", "ci", "--scopes", "api"])
        _ = try tokend(["store", "compact"])
        _ = try tokend(["token", "revoke", "--id", "1"])
        _ = try tokend(["store", "seed", "--tokens", "3"])
        _ = try tokend(["store", "check"])
        let files = try Self.owners(data)
        #expect(Set(files.keys).isSuperset(of: [".", "secret.key", "audit.key", "audit", "tokens.lock", "tokens.snapshot.jsonl"]))
        for (name, owner) in files {
            #expect(owner.uid == nobody.pw_uid && owner.gid == nobody.pw_gid, "\(name) belongs to \(owner.uid):\(owner.gid)")
            #expect(owner.mode == (name == "." || name == "audit" ? 0o700 : 0o600), "\(name) has mode \(String(owner.mode, radix: 8))")
        }
        // The directory's owner, as a worker would be, still writes.
        let write = try Self.runAs(nobody.pw_uid, nobody.pw_gid, ["token", "create", "--data", data, "--user", "root", "--name", "w", "--scopes", "api"])
        #expect(write.status == 0, "\(write.stderr)")
    }

    /// A store whose files someone chowned away from the directory's owner (the Apache mistake
    /// of changing the directory only): the error says which command gives them back.
    @Test func aForeignFileInTheStoreIsExplained() throws {
        let nobody = try #require(getpwnam("nobody")).pointee
        let directory = try Self.traversableDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = directory + "/data"
        #expect(try LiveServer.run(LiveServer.binaryPath, ["init", "--data", data]).status == 0)
        chown(data, nobody.pw_uid, nobody.pw_gid)
        let result = try Self.runAs(nobody.pw_uid, nobody.pw_gid, ["store", "check", "--data", data])
        #expect(result.status != 0)
        #expect(result.stderr.contains("EACCES"), "\(result.stderr)")
        #expect(result.stderr.contains("as root: chown -R nobody:nogroup \(data)"), "\(result.stderr)")
    }

    /// The README's install by hand, in a temporary root: `useradd --system` (no home made),
    /// `init` as that user fails and says how to create the directory, `install -d` does, and
    /// then `init` as that user succeeds and leaves only that user's files.
    @Test func installByHand() throws {
        let root = try Self.traversableDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        for file in ["passwd", "group", "shadow", "gshadow"] {
            try FileManager.default.copyItem(atPath: "/etc/" + file, toPath: root + "/etc/" + file)
        }
        try FileManager.default.createDirectory(atPath: root + "/var/lib", withIntermediateDirectories: true)
        chmod(root + "/var", 0o755)
        chmod(root + "/var/lib", 0o755)
        let useradd = try LiveServer.run(
            "/usr/sbin/useradd",
            ["--prefix", root, "--system", "--user-group", "--home-dir", "/var/lib/tokend", "--no-create-home",
             "--shell", "/usr/sbin/nologin", "tokend"])
        #expect(useradd.status == 0, "\(useradd.stderr)")
        let passwd = try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8)
        let entry = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("tokend:") }).split(separator: ":")
        let uid = try #require(uid_t(entry[2]))
        let gid = try #require(gid_t(entry[3]))
        let data = root + "/var/lib/tokend"

        let refused = try Self.runAs(uid, gid, ["init", "--data", data])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("create it as root first: install -d -m 0700 -o \(uid) -g \(gid) \(data)"), "\(refused.stderr)")

        let install = try LiveServer.run("/usr/bin/install", ["-d", "-m", "0700", "-o", String(uid), "-g", String(gid), data])
        #expect(install.status == 0, "\(install.stderr)")
        let initialised = try Self.runAs(uid, gid, ["init", "--data", data])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(initialised.stdout.contains("created administrator root (id 1)"))
        // The first admin token, as the README gives it (root switches to the owner itself).
        let token = try LiveServer.run(
            LiveServer.binaryPath, ["token", "create", "--data", data, "--user", "root", "--name", "admin", "--scopes", "api,sudo"])
        #expect(token.status == 0 && token.stdout.hasPrefix("glpat-"), "\(token.stderr)")
        for (name, owner) in try Self.owners(data) {
            #expect(owner.uid == uid && owner.gid == gid, "\(name) belongs to \(owner.uid):\(owner.gid)")
        }
    }
}
