#if canImport(Glibc)
import Glibc
#endif
import Logging
import TokendSettings

/// Who may touch a data directory. Every file tokend creates in the store (journal, snapshot,
/// lock, secret) is 0600 and belongs to the process that created it; workers run as the
/// directory's owner (`tokend`, or `www-data` under mod_fcgid) and cannot open a file that
/// root made. So when tokend runs as root on a directory that belongs to another user, it
/// becomes that user (the directory's uid and gid, no supplementary groups) before it touches
/// the store. Then `tokend store compact` or `tokend token create` run by root leave files the
/// workers can use.
enum StoreOwnership {
    /// The directory's owner and group, or nil when it does not exist.
    static func owner(of directory: String) -> (uid: uid_t, gid: gid_t)? {
        var info = stat()
        guard stat(directory, &info) == 0 else { return nil }
        return (info.st_uid, info.st_gid)
    }

    /// When running as root on an existing directory owned by another user, switches the whole
    /// process to that user and group for good; returns the user's name, or nil when nothing
    /// changed (not root, no such directory, or root's own directory). Throws when the switch
    /// fails, rather than writing root-owned files into another user's store.
    static func adopt(directory: String) throws(CommandError) -> String? {
        guard geteuid() == 0, let owner = owner(of: directory), owner.uid != 0 else { return nil }
        var groups = [owner.gid]
        guard setgroups(1, &groups) == 0, setgid(owner.gid) == 0, setuid(owner.uid) == 0,
            geteuid() == owner.uid, getegid() == owner.gid
        else {
            throw CommandError(
                "\(directory) belongs to \(userName(owner.uid)), but tokend could not switch to that user "
                    + "(\(String(cString: strerror(errno)))); run it as that user: runuser -u \(userName(owner.uid)) -- tokend …")
        }
        return userName(owner.uid)
    }

    /// The login name of `uid`, else the number.
    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid) else { return String(uid) }
        return String(cString: entry.pointee.pw_name)
    }

    /// The name of `gid`, else the number.
    static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid) else { return String(gid) }
        return String(cString: entry.pointee.gr_name)
    }

    /// The advice for a store file the current user cannot open: who owns the directory and
    /// the command that gives the files back to that user.
    static func accessAdvice(directory: String) -> String {
        guard let owner = owner(of: directory) else { return "" }
        let user = userName(owner.uid)
        let me = userName(geteuid())
        if owner.uid != geteuid() {
            return "\(directory) belongs to \(user) but tokend runs as \(me); run it as \(user) "
                + "(runuser -u \(user) -- tokend …) or as root, which switches to \(user)"
        }
        return "every file in \(directory) must belong to \(user), like the directory; as root: "
            + "chown -R \(user):\(groupName(owner.gid)) \(directory)"
    }
}

extension Settings {
    /// Becomes the data directory's owner when run as root (see ``StoreOwnership``).
    func becomeStoreOwner() throws {
        if let user = try StoreOwnership.adopt(directory: data) {
            logger("tokend").debug("switched to the data directory's owner", metadata: ["user": "\(user)", "data": "\(data)"])
        }
    }
}
